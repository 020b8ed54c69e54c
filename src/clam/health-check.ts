import { z } from 'zod';
import { defineModule } from '../modules/types.js';
import { LOG_BEGIN, LOG_END, PROCESS_GROUP, UNIT_NAME, serviceLogFunctions, serviceLogs } from '../modules/lib/service-logs.js';
import { script, shellQuote } from '../modules/lib/shell.js';

/**
 * `clam_check`: the health check of a CLAM service, as its users see it. Run on the host by
 * `apply` (listed, not run, by `plan`), never "changed"; a failure fails the host with a sentence
 * saying what is wrong:
 * - the service answers through the webserver (`url`, with `Host: host_header`);
 * - the base URL CLAM announces in its XML is the public URL (`public_url`), and the stylesheet it
 *   names lies below it and answers as XML (else a browser shows a blank page);
 * - the settings module that the WSGI script hands to `run_wsgi` imports in the environment CLAM's
 *   dispatcher runs in (the service's env file, as the service user, from CLAM's own directory):
 *   otherwise every job fails.
 * When the page gets no answer or a 5xx, the error also shows the last lines of the service's log
 * (the journal of its uWSGI unit, or Apache's error log for its mod_wsgi process group): they say
 * why, where the webserver only says 502.
 */
const schema = z.strictObject({
  /** the service's root, fetched on the host: http(s)://127.0.0.1:PORT/PREFIX/ */
  url: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'not an http(s) URL'),
  /** the Host header the webserver expects (server_name) */
  host_header: z.string().min(1),
  /** the URL users reach the service at, without a trailing slash */
  public_url: z.string().regex(/^https?:\/\/\S+$/, 'not an http(s) URL'),
  venv: z.string().startsWith('/'),
  env_file: z.string().startsWith('/'),
  wsgi: z.string().startsWith('/'),
  user: z.string().min(1),
  timeout: z.number().int().positive().default(20),
  /** the service's systemd unit (uWSGI) */
  units: z.array(z.string().regex(UNIT_NAME, 'not a unit name')).default([]),
  /** the service's mod_wsgi daemon process group (apache-wsgi) */
  wsgi_process_groups: z.array(z.string().regex(PROCESS_GROUP, 'not a mod_wsgi process group name')).default([]),
});

export type ClamCheckArgs = z.output<typeof schema>;

const CHECK_PY = String.raw`
import ast, json, os, re, ssl, subprocess, sys, urllib.error, urllib.request

args = json.loads(sys.argv[1])
problems = []
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None

opener = urllib.request.build_opener(NoRedirects, urllib.request.HTTPSHandler(context=context))

def get(url):
    request = urllib.request.Request(url, headers={"Host": args["host_header"], "Accept": "application/xml"})
    try:
        with opener.open(request, timeout=args["timeout"]) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except Exception as error:
        return 0, {}, str(error).encode()

def read_env(path):
    values = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r'^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*$', line)
            if match:
                values[match.group(1)] = re.sub(r"\\(.)", r"\1", match.group(2))
    return values

def settings_module(wsgi):
    """The module the WSGI script passes to clam.clamservice.run_wsgi(), by reading the script."""
    tree = ast.parse(open(wsgi, encoding="utf-8").read(), wsgi)
    argument = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], (ast.Name, ast.Attribute)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name == "run_wsgi":
                argument = ast.unparse(node.args[0])
    if argument is None:
        raise LookupError("it does not call clam.clamservice.run_wsgi(MODULE)")
    if "." in argument:
        # run_wsgi(clam.config.ucto) after 'import clam.config.ucto': the dotted name is the module's
        return argument
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (alias.asname or alias.name.split(".")[0]) == argument:
                    return alias.name if alias.asname else argument
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if (alias.asname or alias.name) == argument:
                    return node.module + "." + alias.name
    raise LookupError("it passes '%s' to run_wsgi, which no import statement of the script binds" % argument)

public = args["public_url"].rstrip("/")
internal = args["url"].rstrip("/")
status, headers, body = get(args["url"])
content_type, location = headers.get("Content-Type", ""), headers.get("Location", "")
# exit status 2 asks the shell for the service's log
down = status == 0 or status >= 500
logs = []
if down:
    detail = body[:300].decode("utf-8", "replace").strip()
    problems.append("GET %s (Host: %s): %s%s" % (args["url"], args["host_header"], "no answer" if status == 0 else "HTTP %d" % status, ": " + detail if detail else ""))
elif status == 200:
    text = body.decode("utf-8", "replace")
    base = re.search(r'<clam\b[^>]*\bbaseurl="([^"]*)"', text)
    stylesheet = re.search(r'<\?xml-stylesheet\b[^>]*\bhref="([^"]*)"', text)
    if base is None:
        problems.append("%s/ does not answer like CLAM (no baseurl in its XML; content type %s)" % (public, content_type or "none"))
    elif base.group(1).rstrip("/") != public:
        problems.append("CLAM announces its base URL as %s, but the service's public URL is %s: links and the stylesheet would point elsewhere (CLAM takes it from CLAMFORCEURL, or from X-Forwarded-Host with URLPREFIX when USE_FORWARDED_HOST is on)" % (base.group(1), public))
    if stylesheet is not None and base is not None and base.group(1).rstrip("/") == public:
        href = stylesheet.group(1)
        if not href.startswith(public + "/"):
            problems.append("CLAM names its stylesheet %s, outside its public URL %s" % (href, public))
        else:
            sheet_status, sheet_headers, _ = get(internal + href[len(public):])
            sheet_type = sheet_headers.get("Content-Type", "")
            if sheet_status != 200 or not re.search(r"xml|xsl", sheet_type):
                problems.append("the stylesheet %s answers HTTP %d (%s) instead of XML: browsers would show a blank page" % (href, sheet_status, sheet_type or "no content type"))
elif 300 <= status < 400:
    problems.append("GET %s (Host: %s): HTTP %d, a redirect to %s, where CLAM answers its page itself" % (args["url"], args["host_header"], status, location or "nowhere"))
elif status >= 400 and status not in (401, 403):
    problems.append("GET %s (Host: %s): HTTP %d" % (args["url"], args["host_header"], status))

try:
    module = settings_module(args["wsgi"])
except (OSError, SyntaxError, LookupError) as error:
    problems.append("cannot tell CLAM's settings module from the WSGI script %s: %s" % (args["wsgi"], error))
else:
    # The dispatcher runs as a script from the virtualenv's bin, in CLAM's directory, and imports
    # the settings module by name.
    probe = "import os, sys; sys.path.pop(0); import clam; os.chdir(os.path.dirname(os.path.abspath(clam.__file__))); __import__(sys.argv[1])"
    try:
        env = read_env(args["env_file"])
        result = subprocess.run([args["venv"] + "/bin/python3", "-c", probe, module], env=env, user=args["user"], group=args["user"], extra_groups=[],
                                cwd="/", capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
            problems.append("CLAM's dispatcher could not import the settings module '%s' (as user %s, with %s): %s" % (module, args["user"], args["env_file"], lines[-1] if lines else "exit %d" % result.returncode))
            # a service that is down shows the same traceback in its own log
            if not down:
                logs.append(("the import of '%s' as CLAM's dispatcher does it" % module, lines))
    except Exception as error:
        problems.append("could not try importing the settings module '%s' as user %s: %s" % (module, args["user"], error))

for problem in problems:
    print(problem, file=sys.stderr)
for title, lines in logs:
    print("${LOG_BEGIN} " + title, *lines, "${LOG_END}", sep="\n", file=sys.stderr)
sys.exit(0 if not problems else 2 if down else 1)
`;

export const clamCheck = defineModule({
  name: 'clam_check',
  schema,
  facts: () => [],
  plan(args) {
    const python = `${args.venv}/bin/python3`;
    return {
      summary: [
        `check ${args.public_url}/ answers as CLAM, announces that URL and serves its stylesheet`,
        `check the settings module of ${args.wsgi} imports for CLAM's dispatcher as ${args.user}`,
      ],
      check: true,
      script: script(
        ...serviceLogFunctions(args.units, args.wsgi_process_groups),
        `test -x ${shellQuote(python)} || { echo ${shellQuote(`${python} is missing: the service's virtualenv was not created`)} >&2; exit 1; }`,
        'cp_rc=0',
        `${shellQuote(python)} -c ${shellQuote(CHECK_PY)} ${shellQuote(JSON.stringify(args))} || cp_rc=$?`,
        `if [ "$cp_rc" = 2 ]; then\n${serviceLogs(args.units, args.wsgi_process_groups)}\nexit 1\nfi`,
        'exit "$cp_rc"',
      ),
    };
  },
});
