"""The wheel carries what the hub reads at run time: JSON Schemas and migrations."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "lrs", "lti", "transcripts", "connectors", "schemas")


@pytest.mark.slow
def test_the_wheel_ships_the_json_schemas_and_the_migrations(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                             str(source), "-w", str(tmp_path / "dist")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [wheel] = (tmp_path / "dist").glob("berpijar_hub-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())

    schemas = {f"schemas/{p.name}" for p in (ROOT / "schemas").glob("*.json")}
    assert schemas and schemas <= shipped
    migrations = {p.relative_to(ROOT).as_posix()
                  for p in (ROOT / "hub/storage/migrations").rglob("*.py")}
    assert "hub/storage/migrations/env.py" in migrations
    assert migrations <= shipped
    assert "hub/storage/migrations/script.py.mako" in shipped
