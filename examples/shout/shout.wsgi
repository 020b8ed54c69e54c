# The WSGI entry point of the Shout webservice, the way CLAM's documentation writes it: the webserver
# (uWSGI or mod_wsgi) imports this file and calls `application`. shout.py must be importable: run
# from this directory, or with it on PYTHONPATH (clamprovision does that for a source directory).
import clam.clamservice
import shout

application = clam.clamservice.run_wsgi(shout)
