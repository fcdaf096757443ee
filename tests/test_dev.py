"""`python3 dev.py test` runs the suite on every core unless told otherwise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tests_run_on_every_core_by_default(dev):
    assert dev.pytest_args([]) == ["-n", "auto"]
    assert dev.pytest_args(["-x", "-k", "cors"]) == ["-n", "auto", "-x", "-k", "cors"]


@pytest.mark.parametrize("argv", [["-n", "0"], ["-n4"], ["--numprocesses=2"],
                                  ["-p", "no:xdist"], ["-x", "-n", "1"]])
def test_a_chosen_worker_count_is_left_alone(dev, argv):
    assert dev.pytest_args(argv) == argv


def test_the_readme_opens_with_the_two_commands():
    before, block, _ = (ROOT / "README.md").read_text().split("```", 2)
    assert [line for line in before.splitlines() if line.strip()] == [
        "# Berpijar Learning Hub"]
    commands = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["python3 dev.py serve", "python3 dev.py test"]


@pytest.mark.slow
def test_serve_runs_a_worker_beside_the_server_and_stops_both(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    import requests
    from live_server import free_port

    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
           "HUB_PORT": str(port), "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
           "HUB_LOG_LEVEL": "WARNING"}
    serve = subprocess.Popen([sys.executable, str(ROOT / "dev.py"), "serve"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        children: dict[int, str] = {}
        while time.monotonic() < deadline:
            children = _children_of(serve.pid)
            try:
                up = requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
            except requests.RequestException:
                up = False
            if up and any(" worker" in c for c in children.values()):
                break
            time.sleep(0.3)
        assert any("wsgi worker" in c for c in children.values()), children
        assert any("wsgi run" in c for c in children.values()), children
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    time.sleep(0.5)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert alive == [], "the worker or the server outlived serve"


def _children_of(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = command
    return found
