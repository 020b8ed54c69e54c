import { shellQuote } from '../core/shell-quote.js';
import { mergeFactRequests } from './merge.js';
import type { FactRequest } from './types.js';

export { mergeFactRequests };

/**
 * Builds the ONE remote command that gathers every fact a run needs from a host.
 *
 * The script is POSIX sh (dash on Debian/Ubuntu), fed on stdin (`sh -s -- "$SSH_CONNECTION"`: sudo
 * drops SSH_CONNECTION from the environment, so the caller passes it as $1; without it the script
 * falls back to the variable). It only reads: no apt-get update, no writes to /var/cache/apt
 * (apt-cache builds its cache in memory), no ufw command (its files are read instead).
 *
 * Output protocol, one record a line, parsed by parseFactsOutput():
 *   @@clamprovision-facts 1          header
 *   @@KIND KEY FIELD…                KEY = base64 of the request's path/name/command
 *   @@end                            the script ran to its end
 * Every field that may hold arbitrary bytes is base64 (`b:` prefix where "missing" must be told
 * apart from "empty"), so the outer protocol stays plain ASCII whatever the host's files contain.
 */

export const FACTS_PROTOCOL_VERSION = 1;

/** Files larger than this are hashed but not transferred (no diff is shown for them). */
export const MAX_CONTENT_BYTES = 256 * 1024;


export function encodeKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64');
}

/** Seconds a probe (command's `unless`) may run before it counts as failed. */
const PROBE_TIMEOUT_SECONDS = 120;
const PROBE_END = 'CLAMPROVISION_PROBE_END';

// a cooked template literal: \${ and \\ below are the shell's ${ and \
const PRELUDE = `export LC_ALL=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cp_ssh="$1"
[ -n "$cp_ssh" ] || cp_ssh="$SSH_CONNECTION"
cd / || exit 1
# PID 1's name: readable without root, unlike /proc/1/exe
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then cp_init=systemd; else cp_init=other; fi
# b:BASE64 for a readable regular file, - when missing, ! when present but unreadable
cp_cat() {
  if [ -f "$1" ] && [ -r "$1" ]; then printf 'b:'; base64 -w0 < "$1"
  elif [ -e "$1" ] || [ -L "$1" ]; then printf '!'
  else printf -- '-'; fi
}
cp_b64() { printf 'b:'; base64 -w0; }
cp_file() {
  if ! { [ -e "$2" ] || [ -L "$2" ]; }; then echo "@@file $1 missing"; return; fi
  cp_st=$(stat -c '%f %a %U %G %s' -- "$2" 2>/dev/null) || { echo "@@file $1 error"; return; }
  cp_sum=- cp_link=- cp_data=-
  if [ -L "$2" ]; then
    cp_link=$(printf '%s' "$(readlink -- "$2")" | cp_b64)
  elif [ -f "$2" ]; then
    cp_sum=$(sha256sum 2>/dev/null < "$2")
    cp_sum=\${cp_sum%% *}
    [ -n "$cp_sum" ] || cp_sum=-
    if [ "$3" = 1 ] && [ "$cp_sum" != - ] && [ "\${cp_st##* }" -le ${MAX_CONTENT_BYTES} ]; then
      cp_data=$(cp_b64 < "$2")
    fi
  fi
  echo "@@file $1 $cp_st $cp_sum $cp_link $cp_data"
}
cp_tree() {
  if [ ! -d "$2" ]; then echo "@@tree $1 missing"; return; fi
  cp_list=$(cd "$2" && find . -mindepth 1 -printf '%y %m %u %g %P\\0%l\\0' 2>/dev/null | cp_b64)
  cp_sums=$(cd "$2" && find . -mindepth 1 -type f -print0 2>/dev/null | xargs -0 -r sha256sum -z 2>/dev/null | cp_b64)
  echo "@@tree $1 $cp_list $cp_sums"
}
cp_initscript() {
  if [ -x "/etc/init.d/$2" ]; then
    "/etc/init.d/$2" status >/dev/null 2>&1 </dev/null
    cp_rc=$?
    cp_en=0
    for cp_l in /etc/rc2.d/S[0-9][0-9]"$2" /etc/rc3.d/S[0-9][0-9]"$2" /etc/rc4.d/S[0-9][0-9]"$2" /etc/rc5.d/S[0-9][0-9]"$2" /etc/rcS.d/S[0-9][0-9]"$2"; do
      [ -e "$cp_l" ] && cp_en=1
    done
    echo "@@service $1 initscript 1 $cp_rc $cp_en"
  else
    echo "@@service $1 initscript 0 3 0"
  fi
}
cp_venv() {
  if [ ! -x "$2/bin/pip" ]; then echo "@@venv $1 missing"; return; fi
  cp_dists=$(for cp_d in "$2"/lib/python3*/site-packages/*.dist-info "$2"/lib/python3*/site-packages/*.egg-info; do
      [ -e "$cp_d" ] && printf '%s\\n' "\${cp_d##*/}"; done | cp_b64)
  cp_marks=$(for cp_m in "$2"/.clamprovision/*; do
      [ -f "$cp_m" ] && printf '%s %s\\n' "\${cp_m##*/}" "$(base64 -w0 < "$cp_m")"; done | cp_b64)
  echo "@@venv $1 $(cp_cat "$2/pyvenv.cfg") $cp_dists $cp_marks"
}
cp_account() {
  cp_pw=$(getent passwd -- "$2" 2>/dev/null)
  if [ -z "$cp_pw" ]; then echo "@@account $1 missing"; return; fi
  echo "@@account $1 $(printf '%s' "$cp_pw" | cp_b64) $(id -gn -- "$2" 2>/dev/null | cp_b64) $(id -Gn -- "$2" 2>/dev/null | cp_b64)"
}
cp_group() {
  cp_gr=$(getent group -- "$2" 2>/dev/null)
  if [ -z "$cp_gr" ]; then echo "@@group $1 missing"; return; fi
  echo "@@group $1 $(printf '%s' "$cp_gr" | cp_b64)"
}
echo '@@clamprovision-facts ${FACTS_PROTOCOL_VERSION}'
echo "@@os $({ cat /etc/os-release || cat /usr/lib/os-release; } 2>/dev/null | cp_b64)"
echo "@@init $cp_init"
echo "@@whoami $(id -un | cp_b64)"
echo "@@ssh $(printf '%s' "$cp_ssh" | cp_b64)"
if ls /var/lib/apt/lists 2>/dev/null | grep -q '_Packages'; then
  echo "@@apt $(date +%s) $(stat -c %Y /var/lib/apt/lists /var/lib/apt/periodic/update-success-stamp 2>/dev/null | sort -n | tail -n 1)"
else
  echo '@@apt never'
fi
`;

export function buildFactsScript(requests: readonly FactRequest[]): string {
  const lines: string[] = ['{', PRELUDE];
  const services: string[] = [];
  for (const request of mergeFactRequests(requests)) {
    switch (request.kind) {
      case 'file':
        lines.push(`cp_file ${encodeKey(request.path)} ${shellQuote(request.path)} ${request.content ? 1 : 0}`);
        break;
      case 'tree':
        lines.push(`cp_tree ${encodeKey(request.path)} ${shellQuote(request.path)}`);
        break;
      case 'service':
        services.push(request.name);
        break;
      case 'venv':
        lines.push(`cp_venv ${encodeKey(request.path)} ${shellQuote(request.path)}`);
        break;
      case 'user':
        lines.push(`cp_account ${encodeKey(request.name)} ${shellQuote(request.name)}`);
        break;
      case 'group':
        lines.push(`cp_group ${encodeKey(request.name)} ${shellQuote(request.name)}`);
        break;
      case 'probe':
        if (request.command.split('\n').includes(PROBE_END)) throw new Error(`a probe command may not contain a line "${PROBE_END}"`);
        // the command goes in on stdin, never in argv (it may hold a secret)
        lines.push(
          `timeout ${PROBE_TIMEOUT_SECONDS} sh -s >/dev/null 2>&1 <<'${PROBE_END}'`,
          request.command,
          PROBE_END,
          `echo "@@probe ${encodeKey(request.command)} $?"`,
        );
        break;
      case 'ufw':
        lines.push(
          `if [ -x /usr/sbin/ufw ]; then cp_ufw=1; else cp_ufw=0; fi`,
          `echo "@@ufw $cp_ufw $(cp_cat /etc/default/ufw) $(cp_cat /etc/ufw/ufw.conf) $(cp_cat /etc/ufw/user.rules) $(cp_cat /etc/ufw/user6.rules)"`,
        );
        break;
      case 'packages': {
        const names = request.names.map(shellQuote).join(' ');
        lines.push(
          `cp_dpkg=$(dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' -- ${names} 2>/dev/null)`,
          // apt-cache only for what is not installed (it is the slow part); with empty pkgcache
          // names it builds its cache in memory and writes nothing to /var/cache/apt
          `cp_need=''`,
          `for cp_n in ${names}; do`,
          // a `case` on the dpkg-query output, not a grep per package (no-op runs are timed)
          `  case "\n$cp_dpkg" in *"\n$cp_n\t"?i*) ;; *) cp_need="$cp_need $cp_n" ;; esac`,
          `done`,
          `cp_policy=-`,
          `[ -z "$cp_need" ] || cp_policy=$(apt-cache -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= policy -- $cp_need 2>/dev/null | cp_b64)`,
          `echo "@@packages ${encodeKey(request.names.join(' '))} $(printf '%s' "$cp_dpkg" | cp_b64) $cp_policy"`,
        );
        break;
      }
    }
  }
  if (services.length > 0) {
    const names = services.map(shellQuote).join(' ');
    lines.push(
      `if [ "$cp_init" = systemd ]; then`,
      // one systemctl for all units: blocks separated by an empty line, in the order asked
      `  echo "@@services ${encodeKey(services.join('\n'))} $(systemctl show --no-pager -p LoadState -p ActiveState -p UnitFileState -p MainPID -p NeedDaemonReload -- ${names} 2>/dev/null | cp_b64)"`,
      `else`,
      ...services.map((name) => `  cp_initscript ${encodeKey(name)} ${shellQuote(name)}`),
      `fi`,
    );
  }
  // one group read whole before it runs: no command can take the rest of the script from stdin
  lines.push(`echo '@@end'`, '} </dev/null', '');
  return lines.join('\n');
}
