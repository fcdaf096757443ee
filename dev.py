#!/usr/bin/env python3
"""Newcomer entry point; needs only Python 3.11+.

    python3 dev.py serve   # venv, install, migrate the SQLite database, start the hub
    python3 dev.py test    # venv, install with test extras, run the whole test suite
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_environment(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11+ is needed, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, upgrade_deps=False).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    target = f".[{extras}]" if extras else "."
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target)
    STAMP.write_text(wanted)


def run(*args: object, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def serve(argv: list[str]) -> None:
    ensure_environment("")
    env = {**os.environ}
    env.setdefault("HUB_ENV", "development")
    env.setdefault("HUB_LOG_FORMAT", "text")
    host = os.environ.get("HUB_HOST", "127.0.0.1")
    port = os.environ.get("HUB_PORT", "5000")
    env.setdefault("HUB_PUBLIC_URL", f"http://{host}:{port}")
    flask = BIN / "flask"
    run(flask, "--app", "wsgi", "db", "upgrade", env=env)
    print(
        f"\nBerpijar Learning Hub listening on http://{host}:{port}/  (xAPI at /xapi/)\n"
        "Create a credential for a partner platform in another terminal:\n"
        f"  HUB_ENV=development {flask} --app wsgi credentials create "
        "--name 'My LMS' --owner 'My Agency' --scope all\n",
        flush=True,
    )
    os.execve(str(flask), [str(flask), "--app", "wsgi", "run", "--host", host, "--port", port,
                           *argv], env)


def test(argv: list[str]) -> None:
    ensure_environment("test")
    os.chdir(ROOT)
    os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "pytest", *argv])


def main() -> None:
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
