import { z } from 'zod';
import { defineModule } from './types.js';
import { PROCESS_GROUP, UNIT_NAME, serviceLogFunctions, serviceLogs } from './lib/service-logs.js';
import { script, shellQuote } from './lib/shell.js';

const schema = z.strictObject({
  /** fetched on the host itself (http://127.0.0.1/…, https://localhost/…; certificates are not verified) */
  urls: z.array(z.string().regex(/^https?:\/\/\S+$/, 'not an http(s) URL')).min(1),
  /** a status at or above this fails the host (401 still passes: the service answers) */
  expect_below: z.number().int().min(100).max(600).default(500),
  /**
   * the Host header sent (the site's server_name): without it the webserver answers for 127.0.0.1,
   * which may be another site, its default one
   */
  host_header: z.string().regex(/^[^\s\x00-\x1f\x7f]+$/, 'not a host name').optional(),
  timeout: z.number().int().positive().default(10),
  /**
   * the systemd units serving the URLs: when one gives no answer or a 5xx (502 from nginx, 503 from
   * Apache while uWSGI is down), the error shows their journal's last lines, which say why
   */
  units: z.array(z.string().regex(UNIT_NAME, 'not a unit name')).default([]),
  /** the same for services run by mod_wsgi in daemon mode: their lines of Apache's error log */
  wsgi_process_groups: z.array(z.string().regex(PROCESS_GROUP, 'not a mod_wsgi process group name')).default([]),
});

export type HttpCheckArgs = z.output<typeof schema>;

/**
 * `cp_fetch URL BODYFILE` prints the HTTP status (000 when there was no answer): curl, else
 * python3, else wget, whichever the host has. `$cp_host`, when set, is sent as the Host header.
 */
function fetchFunction(timeout: number): string {
  return `cp_fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -ks -o "$2" -w '%{http_code}' --max-time ${timeout} \${cp_host:+-H "Host: $cp_host"} -- "$1" || true
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$1" "$2" "\${cp_host:-}" <<'CLAMPROVISION_PY'
import ssl, sys, urllib.request, urllib.error
url, out, host = sys.argv[1], sys.argv[2], sys.argv[3]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
try:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    response = urllib.request.urlopen(request, timeout=${timeout}, context=context)
    status, body = response.status, response.read(4096)
except urllib.error.HTTPError as error:
    status, body = error.code, error.read(4096)
except Exception as error:
    status, body = 0, str(error).encode()
open(out, 'wb').write(body)
print('%03d' % status)
CLAMPROVISION_PY
  elif command -v wget >/dev/null 2>&1; then
    wget -q -S -O "$2" -T ${timeout} --no-check-certificate \${cp_host:+--header="Host: $cp_host"} -- "$1" 2>&1 | sed -n 's/^ *HTTP\\/[0-9.]* \\([0-9][0-9][0-9]\\).*/\\1/p' | tail -n 1
  else
    echo 'neither curl, python3 nor wget is on the host' > "$2"
    echo 000
  fi
}`;
}

export const httpCheck = defineModule({
  name: 'http_check',
  schema,
  facts: () => [],
  plan(args) {
    const checks = args.urls.map(
      (url) => `cp_status=$(cp_fetch ${shellQuote(url)} "$cp_body")
case "$cp_status" in ''|000) cp_status=000;; esac
if [ "$cp_status" -eq 0 ] || [ "$cp_status" -ge ${args.expect_below} ]; then
  printf '%s\\n' "GET ${url.replace(/["\\$`]/g, '\\$&')}${args.host_header ? ' (Host: $cp_host)' : ''}: HTTP $cp_status (expected below ${args.expect_below})" >&2
  head -c 300 "$cp_body" >&2
  echo >&2
  cp_failed=1
  # the service behind did not answer, or failed on the request: its log says why
  [ "$cp_status" -ne 0 ] && [ "$cp_status" -lt 500 ] || cp_down=1
fi`,
    );
    return {
      summary: args.urls.map((url) => `check ${url}${args.host_header ? ` (Host: ${args.host_header})` : ''} answers with a status below ${args.expect_below}`),
      check: true,
      script: script(
        fetchFunction(args.timeout),
        ...serviceLogFunctions(args.units, args.wsgi_process_groups),
        `cp_host=${args.host_header ? shellQuote(args.host_header) : ''}`,
        'cp_body=$(mktemp)',
        `trap 'rm -f "$cp_body"' EXIT`,
        'cp_failed=0',
        'cp_down=0',
        ...checks,
        `if [ "$cp_down" = 1 ]; then\n${serviceLogs(args.units, args.wsgi_process_groups)}\nfi`,
        'exit $cp_failed',
      ),
    };
  },
});
