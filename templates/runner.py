#!/usr/bin/env python3
# nbbuild step runner entry point. Copied into every step image as /opt/app-root/nbbuild/runner.py,
# beside the generated step module (step.py) and the runner package (nbbuild_runner/, one module per
# job). Standard library only: runs on any python3 >= 3.8 base; pandas, numpy, pyarrow, cloudpickle,
# dill and matplotlib are used only when importable.
#
#   python3 -u /opt/app-root/nbbuild/runner.py --executor-input JSON [--param N=V]... [--input N=PATH]...
#       [--output N=PATH]... [--files-input PATH]... [--files-output PATH] [--report PATH]
#       [--metrics PATH] [--ui-markdown PATH] [--ui-html PATH] [--ui-confusion PATH]
#
# The argument contract lives in src/contract.ts (runnerArgs); change both together.
# A variable artifact is a directory: nbbuild.json ({name, type, format, ...}) + value.<ext>.
# Exit status: 0 on success, 1 when the step fails (the last stderr line starts with "nbbuild:").

import os
import sys

if __name__ == "__main__":
    # The package beside this file; the notebook's own namespace takes the name "__main__".
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import nbbuild_runner

    sys.exit(nbbuild_runner.main(sys.argv[1:]))
