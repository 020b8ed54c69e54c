#!/usr/bin/env python3
"""The wrapper CLAM runs for a Shout project (COMMAND in shout.py), in the project's directory:

    shout_wrapper.py DATAFILE STATUSFILE OUTPUTDIRECTORY

For every output file CLAM's program expects, it reads the input file behind it and writes the text in
upper case (template "shouted") or its line, word and character counts (template "statistics").
"""

import io
import os
import sys

import clam.common.data
import clam.common.status


def statistics(text):
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return "lines\t{}\nwords\t{}\ncharacters\t{}\n".format(lines, len(text.split()), len(text))


# output template id -> (the output made from the input's text, its encoding)
MAKERS = {
    "shouted": (str.upper, "utf-8"),
    "statistics": (statistics, "ascii"),
}


def main():
    datafile, statusfile, outputdir = sys.argv[1:4]
    clamdata = clam.common.data.getclamdata(datafile)
    clam.common.status.write(statusfile, "Starting...")

    # CLAM's program also lists files of its own (error.log), made from no input: those are skipped.
    outputs = [(f, template) for f, template in clamdata.program.getoutputfiles() if template in MAKERS]
    for done, (outputfile, outputtemplate) in enumerate(outputs):
        inputfile, _ = clamdata.program.getinputfile(outputfile)
        encoding = inputfile.metadata["encoding"] if inputfile.metadata else "utf-8"
        clam.common.status.write(statusfile, "Processing " + inputfile.filename, done / len(outputs))
        # The input's path is relative to the project directory, where CLAM runs this wrapper.
        with io.open(str(inputfile), "r", encoding=encoding) as f:
            text = f.read()
        make, out_encoding = MAKERS[outputtemplate]
        with io.open(os.path.join(outputdir, outputfile.filename), "w", encoding=out_encoding) as f:
            f.write(make(text))

    clam.common.status.write(statusfile, "Done", 100)
    return 0  # a non-zero exit code tells CLAM the project failed


if __name__ == "__main__":
    sys.exit(main())
