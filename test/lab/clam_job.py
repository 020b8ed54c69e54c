"""Runs one job on a CLAM webservice the way a CLAM user would: with CLAM's own client.

Reads a JSON request on stdin:
    {"baseUrl": "...", "filename": "...", "content": "...", "parameters": {...}, "timeoutSeconds": 120,
     "user": "...", "password": "..."}
(user and password optional: HTTP Basic credentials, given on stdin so that no argv shows them) and
prints one JSON object on stdout:
    {"announcedBaseUrl", "project", "user", "status", "statusMessage", "urls", "outputs", "errorlog"}
or, on failure, the same with an "error" field (as far as it got), exiting 1.
"""

import json
import os
import random
import sys
import tempfile
import time
import traceback

import requests

# CLAMClient calls requests.get/post/put/delete, which all end in Session.request: recording there
# catches every URL, including the output files' URLs that CLAM derives from its announced base URL.
urls = []
_original_request = requests.Session.request


def _recording_request(self, method, url, *args, **kwargs):
    urls.append(url)
    return _original_request(self, method, url, *args, **kwargs)


requests.Session.request = _recording_request

import clam.common.client  # noqa: E402  (after the patch, so nothing holds the unpatched method)
import clam.common.status  # noqa: E402


def read_output(outputfile):
    """Iterating a remote CLAMOutputFile streams it (bytes chunks, or str lines when it has an encoding)."""
    chunks = [chunk.encode("utf-8") if isinstance(chunk, str) else chunk for chunk in outputfile]
    return b"".join(chunks).decode("utf-8", errors="replace")


def run_job(client, request, result):
    client.index()
    project = "clamprovision" + str(random.getrandbits(48))
    result["project"] = project
    client.create(project)
    data = client.get(project)
    result["announcedBaseUrl"] = data.baseurl
    # the user CLAM says the project belongs to ("anonymous" without authentication in CLAM)
    result["user"] = data.user
    templates = data.inputtemplates()
    if not templates:
        raise RuntimeError("the service's profiles have no input template")

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "input")
        with open(source, "w", encoding="utf-8") as f:
            f.write(request["content"])
        client.addinputfile(project, templates[0], source, filename=request["filename"])

    data = client.start(project, **request.get("parameters", {}))
    if data.errors:
        problems = [data.errormsg] + [
            p.id + ": " + p.error for _, group in data.parameters for p in group if p.error
        ]
        raise RuntimeError("CLAM refused to start: " + "; ".join(x for x in problems if x))

    deadline = time.monotonic() + float(request.get("timeoutSeconds", 120))
    while data.status != clam.common.status.DONE:
        if time.monotonic() > deadline:
            raise TimeoutError("the job did not finish in time; last status: " + data.statusmessage)
        time.sleep(0.3)
        data = client.get(project)
    result["status"] = data.status
    result["statusMessage"] = data.statusmessage

    for outputfile in data.output:
        result["outputs"][outputfile.filename] = read_output(outputfile)
    result["errorlog"] = result["outputs"].get("error.log", "")
    if data.errors:
        # CLAM's verdict on the finished job: the wrapper exited non-zero (its stderr is error.log).
        raise RuntimeError("the job failed: " + (data.errormsg or "CLAM reports errors"))
    client.delete(project)


def salvage(client, project, result):
    """After a failure: keep the job's error log if there is one, and leave no project behind."""
    try:
        for outputfile in client.get(project).output:
            if outputfile.filename == "error.log":
                result["errorlog"] = read_output(outputfile)
    except Exception:  # noqa: BLE001  (best effort: the job's own error matters)
        pass
    try:
        client.delete(project)
    except Exception:  # noqa: BLE001
        pass


def main():
    request = json.load(sys.stdin)
    result = {
        "announcedBaseUrl": None,
        "project": None,
        "user": None,
        "status": None,
        "statusMessage": None,
        "urls": urls,
        "outputs": {},
        "errorlog": "",
    }
    # Nothing but the JSON result may reach stdout.
    stdout, sys.stdout = sys.stdout, sys.stderr
    code = 0
    client = None
    try:
        client = clam.common.client.CLAMClient(request["baseUrl"], request.get("user"), request.get("password"))
        run_job(client, request, result)
    except Exception as e:  # noqa: BLE001  (every failure becomes the JSON error)
        traceback.print_exc()
        result["error"] = "{}: {}".format(type(e).__name__, e) if str(e) else type(e).__name__
        code = 1
        if client is not None and result["project"]:
            salvage(client, result["project"], result)
    stdout.write(json.dumps(result) + "\n")
    stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
