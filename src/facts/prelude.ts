import { decodeText, FACTS_HEADER, FACTS_PROTOCOL_VERSION } from './protocol.js';
import type { OsFact, PreludeFacts } from './host-facts.js';
import type { RecordParser } from './kind.js';

/**
 * The start of every facts script: the environment, the helpers the kinds' shell functions use
 * (cp_cat, cp_b64), then (after those functions) the facts every run reads: the OS, PID 1, the user,
 * the SSH connection and the age of the apt lists.
 *
 * The script is POSIX sh (dash on Debian/Ubuntu), fed on stdin (`sh -s -- "$SSH_CONNECTION"`: sudo
 * drops SSH_CONNECTION from the environment, so the caller passes it as $1; without it the script
 * falls back to the variable).
 */

export const PRELUDE_HELPERS = `export LC_ALL=C
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
cp_b64() { printf 'b:'; base64 -w0; }`;

export const PRELUDE_FACTS = `echo '@@${FACTS_HEADER} ${FACTS_PROTOCOL_VERSION}'
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

/** The facts every read has, whatever it was asked (every key of PreludeFacts: the type checks it). */
export const PRELUDE_FACT_NAMES: ReadonlySet<PropertyKey> = new Set(
  Object.keys({ os: true, init: true, user: true, sshPort: true, sshClientAddress: true, aptListsAge: true } satisfies Record<keyof PreludeFacts, true>),
);

export function emptyPreludeFacts(): PreludeFacts {
  return { os: { id: '', versionId: '', codename: '', prettyName: '', idLike: '' }, init: 'other', user: '' };
}

export const PRELUDE_RECORDS: Readonly<Record<string, RecordParser>> = {
  os(fields, facts) {
    facts.os = parseOsRelease(decodeText(fields[0]));
  },
  init(fields, facts) {
    facts.init = fields[0] === 'systemd' ? 'systemd' : 'other';
  },
  whoami(fields, facts) {
    facts.user = decodeText(fields[0]).trim();
  },
  ssh(fields, facts) {
    // SSH_CONNECTION: client address, client port, server address, server port
    const [client, , , serverPort] = decodeText(fields[0]).trim().split(/\s+/);
    const port = Number(serverPort);
    if (Number.isInteger(port) && port > 0) facts.sshPort = port;
    if (client) facts.sshClientAddress = client;
  },
  apt(fields, facts) {
    if (fields[0] !== 'never' && fields[1]) {
      const now = Number(fields[0]);
      const mtime = Number(fields[1]);
      if (Number.isFinite(now) && Number.isFinite(mtime)) facts.aptListsAge = Math.max(0, now - mtime);
    }
  },
};

export function parseOsRelease(text: string): OsFact {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    values.set(match[1]!, value);
  }
  return {
    id: values.get('ID') ?? '',
    versionId: values.get('VERSION_ID') ?? '',
    codename: values.get('VERSION_CODENAME') ?? values.get('UBUNTU_CODENAME') ?? '',
    prettyName: values.get('PRETTY_NAME') ?? values.get('NAME') ?? '',
    idLike: values.get('ID_LIKE') ?? '',
  };
}
