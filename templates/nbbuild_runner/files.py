"""Declared files: copied into the working directory before the step and out of it after."""

import os
import shutil

from . import state
from .state import StepFailure
from .workdir import copy_tree, link_limit


def copy_files_in(paths, work):
    for p in paths:
        if os.path.isdir(p):
            copy_tree(p, work, link_limit())
        elif os.path.isfile(p):
            shutil.copyfile(p, os.path.join(work, os.path.basename(p)))
        else:
            raise StepFailure("step %s: files input %s does not exist" % (state.RUN.name, p))


def copy_files_out(patterns, work, dest):
    import glob
    os.makedirs(dest, exist_ok=True)
    missing = []
    real_work = os.path.realpath(work)
    for pat in patterns:
        if os.path.isabs(pat) or ".." in pat.replace("\\", "/").split("/"):
            raise StepFailure("step %s: declared output file %r must be a path relative to the notebook's folder" % (state.RUN.name, pat))
        matches = sorted(glob.glob(os.path.join(work, pat), recursive=True))
        if not matches:
            missing.append(pat)
            continue
        for m in matches:
            rm = os.path.realpath(m)
            if not (rm == real_work or rm.startswith(real_work + os.sep)):
                continue
            rel = os.path.relpath(m, work)
            target = os.path.join(dest, rel)
            if os.path.isdir(m):
                copy_tree(m, target)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(m, target)
    if missing:
        raise StepFailure("step %s: declared output file%s %s matched nothing in the working directory after the step ran"
                          % (state.RUN.name, "s" if len(missing) > 1 else "", ", ".join(repr(m) for m in missing)))
