"""nbbuild build-time installer: installs the requirements the base image does not satisfy.

Usage: install.py REQUIREMENTS_JSON APP_ROOT EXPORT_DIR
       install.py --probe REQUIREMENTS_JSON   (prints the interpreter's wheel tags and what is missing)
REQUIREMENTS_JSON holds {"requirements": [lines], "imports": [{"module", "distribution"}]}.
Creates APP_ROOT/{src,nbbuild,deps}, installs into APP_ROOT/deps, then moves APP_ROOT into
EXPORT_DIR, so the final stage copies APP_ROOT itself with its mode (0775: group 0 may create files
in it), not only its contents.
Pip settings arrive as NBBUILD_PIP_* build args and are handed to pip through its environment,
never written to a file. The installed tree is made group-0 writable (g=u), without setuid bits.
"""
import importlib.metadata as metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

# Greedy up to the last "@" of the authority: a password may hold "@" itself.
CREDENTIALS = re.compile(r"(://)[^/?#\s]*@")


def requirement_class():
    try:
        from packaging.requirements import Requirement
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
    return Requirement


def satisfied(line):
    """True when the base already has a distribution matching the requirement line."""
    try:
        req = requirement_class()(line)
    except Exception:
        return False
    if req.url:
        return False
    if req.marker is not None and not req.marker.evaluate():
        return True
    try:
        version = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        return False
    return req.specifier.contains(version, prereleases=True)


def importable(module):
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def pip_env():
    env = dict(os.environ)
    for name in ("INDEX_URL", "EXTRA_INDEX_URL", "FIND_LINKS", "TRUSTED_HOST"):
        value = env.pop("NBBUILD_PIP_" + name, "")
        env.pop("PIP_" + name, None)
        if value:
            env["PIP_" + name] = value
    env.update(PIP_BREAK_SYSTEM_PACKAGES="1", PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_ROOT_USER_ACTION="ignore", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def fix_permissions(root):
    for folder, dirs, files in os.walk(root):
        for name in [folder] + [os.path.join(folder, f) for f in dirs + files]:
            if os.path.islink(name):
                continue
            mode = os.stat(name).st_mode & 0o7777
            user = (mode >> 6) & 0o7
            os.chmod(name, (mode & ~0o6070) | (user << 3))


def missing(spec):
    """The requirement lines and distributions the base does not satisfy."""
    need = [line for line in spec.get("requirements", []) if not satisfied(line)]
    for imp in spec.get("imports", []):
        if not importable(imp["module"]) and imp["distribution"] not in need:
            need.append(imp["distribution"])
    return need


def probe(spec):
    """One line for nbbuild on the host: this interpreter's wheel tags and what it lacks."""
    try:
        from packaging import tags
    except ImportError:
        from pip._vendor.packaging import tags
    all_tags = list(tags.sys_tags())
    platforms, abis = [], []
    for t in all_tags:
        if t.platform not in platforms:
            platforms.append(t.platform)
        if t.abi not in abis:
            abis.append(t.abi)
    target = {"pythonVersion": "%d.%d" % sys.version_info[:2], "implementation": tags.interpreter_name(),
              "abis": abis, "platforms": platforms}
    print("NBBUILD-PROBE " + json.dumps({"target": target, "need": missing(spec)}), flush=True)


def install(need, target, spec):
    if importlib.util.find_spec("pip") is None:
        sys.exit("nbbuild: the base image has no pip (python3 -m pip); use a base image with pip")
    env = pip_env()
    cmd = [sys.executable, "-m", "pip", "install", "--no-warn-script-location"]
    for folder in spec.get("findLinks", []):
        cmd += ["--find-links", folder]
    if spec.get("wheelhouse"):
        # Wheels fetched on the host (the index needs credentials, which never enter the build).
        cmd += ["--find-links", spec["wheelhouse"]]
    if spec.get("noIndex") or spec.get("wheelhouse"):
        cmd.append("--no-index")
    if sys.prefix != sys.base_prefix:
        # A virtualenv base: --user is refused, install into the target directly.
        subprocess.run(cmd + ["--target", target] + need, env=env, check=True)
        return
    userbase = tempfile.mkdtemp(prefix="nbbuild-userbase-")
    env["PYTHONUSERBASE"] = userbase
    # --user keeps what the base already provides (dependencies included); --target would not.
    subprocess.run(cmd + ["--user"] + need, env=env, check=True)
    site = sysconfig.get_path("purelib", f"{os.name}_user", vars={"userbase": userbase})
    if os.path.isdir(site):
        for entry in os.listdir(site):
            shutil.move(os.path.join(site, entry), os.path.join(target, entry))
    if os.path.isdir(os.path.join(userbase, "bin")):
        shutil.move(os.path.join(userbase, "bin"), os.path.join(target, "bin"))
    shutil.rmtree(userbase, ignore_errors=True)


def main():
    if sys.argv[1] == "--probe":
        probe(json.load(open(sys.argv[2])))
        return
    spec = json.load(open(sys.argv[1]))
    app_root = sys.argv[2]
    for sub in ("src", "nbbuild", "deps"):
        os.makedirs(os.path.join(app_root, sub), exist_ok=True)
    target = os.path.join(app_root, "deps")
    need = missing(spec)
    if need:
        print("nbbuild: installing " + " ".join(CREDENTIALS.sub(r"\1", n) for n in need), flush=True)
        install(need, target, spec)
    else:
        print("nbbuild: the base image satisfies every requirement", flush=True)
    with open(os.path.join(target, ".nbbuild-installed.json"), "w") as f:
        json.dump({"installed": [CREDENTIALS.sub(r"\1", n) for n in need]}, f)
    fix_permissions(app_root)
    os.makedirs(sys.argv[3], exist_ok=True)
    shutil.move(app_root, os.path.join(sys.argv[3], os.path.basename(app_root)))


if __name__ == "__main__":
    main()
