"""A minimal WSGI application for trying clamprovision: it answers every request with the
SCRIPT_NAME and PATH_INFO it was called with, so the URL prefix handling can be seen at a glance:

    $ curl http://HOST/hello/foo
    SCRIPT_NAME=/hello
    PATH_INFO=/foo

When the service's environment sets GREETING (`env: {GREETING: hi}` in the inventory), a third
line `GREETING=hi` shows that the environment reaches the application.
"""

import os


def application(environ, start_response):
    lines = ["SCRIPT_NAME=" + environ.get("SCRIPT_NAME", ""), "PATH_INFO=" + environ.get("PATH_INFO", "")]
    if "GREETING" in os.environ:
        lines.append("GREETING=" + os.environ["GREETING"])
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]
