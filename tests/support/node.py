"""npm packages the tests need (the AsyncAPI specs, axe-core): installed once, pinned, reused.

Each pinned package gets its own prefix under `.venv/node/`: `npm install --no-save` prunes
from a prefix whatever it was not asked for this time, so two packages sharing one prefix
would uninstall each other, and two versions of one package could not live side by side.
"""
import fcntl
import json
import re
import shutil
import subprocess
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parents[2] / ".venv" / "node"
DONE = ".chairside-installed"   # written last: a prefix without it is a broken install


def package_dir(name, version):
    """The directory of npm package `name` at exactly `version` (installing it the first time)."""
    prefix = NODE_DIR / re.sub(r"[^A-Za-z0-9@._-]", "+", f"{name}@{version}")
    package = prefix / "node_modules" / name
    if not (prefix / DONE).exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm is needed to install {name}@{version} for the tests; install Node.js 18 or later")
        prefix.mkdir(parents=True, exist_ok=True)
        # one installer at a time (parallel test runs share .venv)
        with open(prefix / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (prefix / DONE).exists():
                _install(npm, prefix, name, version)
    installed = json.loads((package / "package.json").read_text())["version"]
    if installed != version:
        raise RuntimeError(f"{package} holds {name}@{installed}, not the pinned {version}; delete {prefix}")
    return package


def _install(npm, prefix, name, version):
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(prefix), f"{name}@{version}"],
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm install {name}@{version} failed:\n{result.stdout}\n{result.stderr}")
    (prefix / DONE).write_text(f"{name}@{version}\n")
