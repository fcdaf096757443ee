#!/usr/bin/env python3
"""Newcomer entry point; needs only Python 3.11+.

    python3 dev.py serve   # venv, install, migrate the SQLite database, start the hub
                           # (the development server and the worker beside it)
    python3 dev.py test    # venv, install with test extras, run the whole test suite
    python3 dev.py typecheck  # mypy over the production tree (pyproject.toml [tool.mypy])

Arguments after the command go to `flask run` or pytest (`python3 dev.py test -x -k cors`).
"""

from __future__ import annotations

import hashlib
import os
import signal
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
        try:
            import ensurepip  # noqa: F401
        except ImportError:
            sys.exit("this Python cannot create virtual environments with pip; on Debian or "
                     "Ubuntu install the python3-venv package first")
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, upgrade_deps=False).create(VENV)
    project = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    # The stamp names what is installed; the test extras include everything `serve` needs.
    installed = STAMP.read_text().split() if STAMP.exists() else []
    if installed[:1] == [project] and (not extras or extras in installed[1:]):
        return
    target = f".[{extras}]" if extras else "."
    print(f"installing the hub{' with ' + extras + ' extras' if extras else ''} into {VENV}",
          flush=True)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target)
    STAMP.write_text(" ".join([project, *([extras] if extras else [])]))


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
        f"  cd {ROOT} && HUB_ENV=development HUB_PUBLIC_URL={env['HUB_PUBLIC_URL']} \\\n"
        f"    {flask} --app wsgi credentials create "
        "--name 'My LMS' --owner 'My Agency' --scope all\n",
        flush=True,
    )
    # The background loops (transcripts, grades, connectors) run in the hub's worker
    # process, beside the development server and stopped with it (Ctrl-C or SIGTERM).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    processes = [subprocess.Popen([str(flask), "--app", "wsgi", "worker"], cwd=ROOT, env=env)]
    try:
        processes.append(subprocess.Popen([str(flask), "--app", "wsgi", "run", "--host", host,
                                           "--port", port, *argv], cwd=ROOT, env=env))
        code = processes[-1].wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    sys.exit(code)


def pytest_args(argv: list[str]) -> list[str]:
    """Run on every core (pytest-xdist) unless the caller chose (-n N, -p no:xdist)."""
    chose = any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist"
                for arg in argv)
    return [*argv] if chose else ["-n", "auto", *argv]


BROWSER_PACKAGES = {"/usr/bin/chromium": "chromium", "/usr/bin/chromedriver": "chromium-driver"}


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it when missing and we may (root
    with apt-get). Otherwise they are skipped, with a message, outside CI."""
    missing = [package for path, package in BROWSER_PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    if os.name != "posix" or os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists():
        print(f"note: {' and '.join(missing)} not installed; the browser tests will be "
              "skipped (as root: apt-get install -y chromium chromium-driver)", flush=True)
        return
    print(f"installing {' '.join(missing)} with apt-get for the browser tests", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]):
        if subprocess.run(command, env=env).returncode != 0:
            print("warning: could not install Chromium; the browser tests will be skipped "
                  "(and fail under CI=true)", flush=True)
            return


def test(argv: list[str]) -> None:
    ensure_environment("test")
    ensure_chromium()
    os.chdir(ROOT)
    os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "pytest", *pytest_args(argv)])


def typecheck(argv: list[str]) -> None:
    """mypy over the production tree as configured in pyproject.toml (issue 18.6)."""
    ensure_environment("test")
    os.chdir(ROOT)
    run(BIN / "python", "-m", "mypy", *argv)


def main() -> None:
    commands = {"serve": serve, "test": test, "typecheck": typecheck}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
