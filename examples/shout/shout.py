"""Shout: a small CLAM webservice that turns plain text into upper case and counts its lines, words
and characters. It is clamprovision's example of a real CLAM service (see README.md).

This is CLAM's service configuration module (the "settings module"): the webservice imports it, and so
does CLAM's dispatcher, by name, in its own process, to run COMMAND for a project.
"""

import os

import clam
from clam.common.data import InputTemplate, OutputTemplate, Profile, SetMetaField, loadconfig
from clam.common.formats import PlainTextFormat
from clam.common.parameters import StaticParameter

REQUIRE_VERSION = 3.2

CLAMDIR = clam.__path__[0]
WEBSERVICEDIR = os.path.dirname(os.path.abspath(__file__))

SYSTEM_ID = "shout"
SYSTEM_NAME = "Shout"
SYSTEM_DESCRIPTION = (
    "Turns plain text into upper case, and counts its lines, words and characters. "
    "An example CLAM webservice deployed by clamprovision."
)
SYSTEM_VERSION = "1.0"
SYSTEM_AUTHOR = "clamprovision"

# ROOT (where CLAM keeps the users' projects), USE_FORWARDED_HOST and DEBUG come from shout.config.yml,
# found beside this module (or named by $CONFIGFILE); it reads them from the environment.
loadconfig(__name__)

PROFILES = [
    Profile(
        InputTemplate(
            "text",
            PlainTextFormat,
            "Plain text",
            StaticParameter(id="encoding", name="Encoding", description="The character encoding of the file", value="utf-8"),
            extension=".txt",
            multi=True,
        ),
        OutputTemplate(
            "shouted",
            PlainTextFormat,
            "The text in upper case",
            SetMetaField("encoding", "utf-8"),
            removeextensions=[".txt"],
            extension=".shout.txt",
            multi=True,
        ),
        OutputTemplate(
            "statistics",
            PlainTextFormat,
            "Lines, words and characters of the text",
            SetMetaField("encoding", "ascii"),
            removeextensions=[".txt"],
            extension=".stats",
            multi=True,
        ),
    )
]

# CLAM runs a .py command with its own Python interpreter (the virtualenv's).
COMMAND = WEBSERVICEDIR + "/shout_wrapper.py $DATAFILE $STATUSFILE $OUTPUTDIRECTORY"

PARAMETERS = []
