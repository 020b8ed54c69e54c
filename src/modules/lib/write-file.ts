import { dirname } from 'node:path';
import { formatMode } from './mode.js';
import type { WantedAttributes } from './attributes.js';
import { shellQuote, withBase64Stdin } from './shell.js';

/**
 * Shell function `cp_put DEST MODE OWNER GROUP` (each of the last three may be `-`): writes its
 * stdin, base64, to DEST atomically: a temporary file in the same directory gets the old file's
 * attributes (or 0644 for a new file), then the wanted ones, then replaces DEST with `mv -fT` (-T: a
 * symbolic link at DEST is replaced too, even one to a directory, where `mv -f` would move the file into it).
 * A run cut off while writing (connection drop, crash) leaves DEST whole and its temporary file
 * behind; the next write of DEST removes such leftovers (no other run writes now: the host lock).
 */
export const PUT_FUNCTION = `cp_tmp=
trap 'rm -f "$cp_tmp"' EXIT
cp_put() {
  cp_dir=$(dirname -- "$1")
  if [ ! -d "$cp_dir" ]; then echo "cannot write $1: the directory $cp_dir does not exist" >&2; exit 1; fi
  if [ -d "$1" ] && [ ! -L "$1" ]; then echo "cannot write $1: it is a directory" >&2; exit 1; fi
  rm -f -- "$cp_dir/.$(basename -- "$1").clamprovision-"??????
  cp_tmp=$(mktemp "$cp_dir/.$(basename -- "$1").clamprovision-XXXXXX")
  base64 -d > "$cp_tmp"
  if [ -f "$1" ] && [ ! -L "$1" ]; then
    chown --reference="$1" -- "$cp_tmp"
    chmod --reference="$1" -- "$cp_tmp"
  else
    chmod 0644 -- "$cp_tmp"
  fi
  [ "$3" = - ] || chown -- "$3" "$cp_tmp"
  [ "$4" = - ] || chgrp -- "$4" "$cp_tmp"
  [ "$2" = - ] || chmod "$2" -- "$cp_tmp"
  mv -fT -- "$cp_tmp" "$1"
  cp_tmp=
}`;

/** One `cp_put` call with the content in a heredoc. */
export function putFile(path: string, content: Buffer, want: WantedAttributes): string {
  const args = [
    shellQuote(path),
    want.mode !== undefined ? formatMode(want.mode) : '-',
    want.owner !== undefined ? shellQuote(want.owner) : '-',
    want.group !== undefined ? shellQuote(want.group) : '-',
  ];
  return withBase64Stdin(`cp_put ${args.join(' ')}`, content);
}

/** Where a validated write of PATH keeps, until the validator's verdict, the file it replaces. */
function backupPrefix(path: string): string {
  return `${dirname(path)}/.${path.split('/').pop()}.clamprovision-`;
}

/**
 * A probe (facts) that exits 0 unless a validated write of PATH was cut off (connection drop, crash)
 * before the validator's verdict: its backup (`-old-`, or `-none-` when there was no file) is still
 * there, and the file in place may be one the validator never accepted, even if it is what we want.
 */
export function noInterruptedValidationProbe(path: string): string {
  const prefix = shellQuote(backupPrefix(path));
  return `for f in ${prefix}old-?????? ${prefix}none-??????; do if [ -e "$f" ]; then exit 1; fi; done`;
}

/**
 * Writes a file in place, then runs `validate` (sh). When the validator fails, the previous file is
 * put back (or the new one removed when there was none) and the script exits 1 with the validator's
 * output: the running service keeps its working configuration. A backup left by a run that was cut
 * off before the verdict is put back first: the file in place may never have been validated.
 */
export function writeFileScript(path: string, content: Buffer, want: WantedAttributes, validate?: string): string {
  if (!validate) return [PUT_FUNCTION, putFile(path, content, want)].join('\n');
  const quoted = shellQuote(path);
  const prefix = shellQuote(backupPrefix(path));
  return [
    PUT_FUNCTION,
    `cp_old=`,
    `cp_none=`,
    `trap 'rm -f "$cp_tmp" "$cp_old" "$cp_none"' EXIT`,
    `for cp_stale in ${prefix}old-??????; do if [ -f "$cp_stale" ]; then mv -fT -- "$cp_stale" ${quoted}; fi; done`,
    `for cp_stale in ${prefix}none-??????; do if [ -f "$cp_stale" ]; then rm -f -- ${quoted} "$cp_stale"; fi; done`,
    `if [ -f ${quoted} ] && [ ! -L ${quoted} ]; then cp_old=$(mktemp ${prefix}old-XXXXXX); cp -p -- ${quoted} "$cp_old"; else cp_none=$(mktemp ${prefix}none-XXXXXX); fi`,
    putFile(path, content, want),
    `if ! cp_out=$(sh -c ${shellQuote(validate)} 2>&1 </dev/null); then`,
    `  if [ -n "$cp_old" ]; then mv -fT -- "$cp_old" ${quoted}; cp_old=; else rm -f -- ${quoted}; fi`,
    `  printf '%s\\n' ${shellQuote(`validation of ${path} failed (${validate}); the previous file was kept:`)} "$cp_out" >&2`,
    `  exit 1`,
    `fi`,
  ].join('\n');
}
