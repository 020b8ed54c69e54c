import { shellQuote } from '../../core/shell-quote.js';
import type { FactKind } from '../kind.js';
import { decodeKey, decodeText, encodeKey } from '../protocol.js';

export interface ServiceRequest {
  name: string;
}

export interface ServiceFact {
  /** the unit (or init script) exists */
  exists: boolean;
  active: string; // active | inactive | failed | activating | …
  enabled: string; // enabled | disabled | static | masked | … ('' when unknown)
  mainPid?: number;
  /** how the service is managed: a systemd unit, or an init script where systemd is not PID 1 */
  manager: 'systemd' | 'initscript';
  /** systemd: the unit file changed on disk since it was loaded (daemon-reload needed) */
  needsDaemonReload?: boolean;
}

declare module '../host-facts.js' {
  interface FactRequestShapes {
    service: ServiceRequest;
  }
  interface HostFacts {
    /** unit (or init script) name -> its state */
    services: Map<string, ServiceFact>;
  }
}

/** Where systemd is not PID 1: the init script's LSB status and its rc links. */
const SHELL = `cp_initscript() {
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
}`;

/** All services are read together: one `systemctl show` for every unit (or, without systemd, each init script). */
export const serviceKind: FactKind<'service'> = {
  name: 'service',
  shell: SHELL,
  key: (request) => request.name,
  batched: true,
  command(requests) {
    const services = requests.map((request) => request.name);
    const names = services.map(shellQuote).join(' ');
    return [
      `if [ "$cp_init" = systemd ]; then`,
      // one systemctl for all units: blocks separated by an empty line, in the order asked
      `  echo "@@services ${encodeKey(services.join('\n'))} $(systemctl show --no-pager -p LoadState -p ActiveState -p UnitFileState -p MainPID -p NeedDaemonReload -- ${names} 2>/dev/null | cp_b64)"`,
      `else`,
      ...services.map((name) => `  cp_initscript ${encodeKey(name)} ${shellQuote(name)}`),
      `fi`,
    ];
  },
  records: {
    services(fields, facts) {
      const names = decodeKey(fields[0]).split('\n');
      const blocks = decodeText(fields[1]).split(/\n\s*\n/);
      names.forEach((name, i) => facts.services.set(name, parseSystemctlShow(blocks[i] ?? '')));
    },
    service(fields, facts) {
      facts.services.set(decodeKey(fields[0]), parseServiceRecord(fields.slice(1)));
    },
  },
  empty: () => ({ services: new Map() }),
  missing: (request, facts) => (facts.services.has(request.name) ? [] : [`service ${request.name}`]),
};

function parseServiceRecord(fields: string[]): ServiceFact {
  if (fields[0] === 'systemd') return parseSystemctlShow(decodeText(fields[1]));
  const exists = fields[1] === '1';
  const statusCode = Number(fields[2]);
  return {
    manager: 'initscript',
    exists,
    // LSB: status 0 = running, 3 = not running; anything else (unknown) counts as not running
    active: exists && statusCode === 0 ? 'active' : 'inactive',
    enabled: exists ? (fields[3] === '1' ? 'enabled' : 'disabled') : '',
  };
}

export function parseSystemctlShow(text: string): ServiceFact {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const load = props.get('LoadState') ?? 'not-found';
  const fact: ServiceFact = {
    manager: 'systemd',
    exists: load !== 'not-found' && load !== '',
    active: props.get('ActiveState') || 'inactive',
    enabled: props.get('UnitFileState') ?? '',
  };
  if (load === 'masked') fact.enabled = 'masked';
  const pid = Number(props.get('MainPID'));
  if (Number.isInteger(pid) && pid > 0) fact.mainPid = pid;
  if (props.get('NeedDaemonReload') === 'yes') fact.needsDaemonReload = true;
  return fact;
}
