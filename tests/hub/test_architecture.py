"""The import arrows of docs/architecture.md, checked on the source.

wsgi → hub.app → {lrs, lti, transcripts, connectors} → hub infrastructure → hub.storage
contract → engines.  Function-level imports count too.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ("lrs", "lti", "transcripts", "connectors")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.add(f"{base}.{node.module}" if node.module else base)
            else:
                found.add(node.module)
    return found


def modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_hub_package_init_imports_nothing():
    # So that features may import hub.errors, hub.auth or hub.storage without a cycle.
    assert imports_of(ROOT / "hub" / "__init__.py") == set()


def test_nothing_imports_wsgi():
    offenders = [str(p) for p in modules("hub", *FEATURES, "tests")
                 if any(within(name, "wsgi") for name in imports_of(p))]
    assert offenders == []


def test_only_the_factory_imports_the_feature_packages():
    offenders = {module_name(p): sorted(n for n in imports_of(p) if within(n, *FEATURES))
                 for p in modules("hub") if module_name(p) != "hub.app"}
    assert {m: names for m, names in offenders.items() if names} == {}


def test_storage_depends_on_nothing_above_it():
    offenders = {module_name(p): sorted(n for n in imports_of(p)
                                        if within(n, "hub", *FEATURES)
                                        and not within(n, "hub.storage"))
                 for p in modules("hub/storage")}
    assert {m: names for m, names in offenders.items() if names} == {}


ENGINES = ("sql", "mongo")
ENGINE_LIBRARIES = {"sql": ("sqlalchemy", "alembic", "psycopg"),
                    "mongo": ("pymongo", "mongoengine", "bson")}


def in_slice_engine(path: Path, engine: str) -> bool:
    """A feature's stores on one engine: `<feature>/.../storage/<engine>/*.py` (issue 18.1)."""
    parts = path.relative_to(ROOT).parts
    return ("storage", engine) in itertools.pairwise(parts)


@pytest.mark.parametrize("feature", FEATURES)
def test_features_use_the_storage_contract_not_an_engine_nor_the_factory(feature):
    """Only a slice's own stores on an engine use that engine's helpers (hub.storage.sql,
    hub.storage.mongo)."""
    offenders = {module_name(p): sorted(
        n for n in imports_of(p)
        if within(n, "hub.app", "hub.cli") or any(
            within(n, f"hub.storage.{engine}") and not in_slice_engine(p, engine)
            for engine in ENGINES))
        for p in modules(feature)}
    assert {m: names for m, names in offenders.items() if names} == {}


@pytest.mark.parametrize("feature", FEATURES)
def test_operations_see_their_slice_only_through_its_contract(feature):
    """Outside its storage package a feature imports `<slice>.storage` and its contract,
    never the slice's stores on an engine: those are one engine's implementation."""
    offenders = {module_name(p): sorted(n for n in imports_of(p)
                                        if ".storage.sql" in n or ".storage.mongo" in n)
                 for p in modules(feature) if "storage" not in p.relative_to(ROOT).parts}
    assert {m: names for m, names in offenders.items() if names} == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_database_library_is_imported_only_by_its_engine(engine):
    """SQL stays in the SQL engine and its migrations, MongoDB in the MongoDB engine: no
    SQLAlchemy above the contract or in the MongoDB stores, no pymongo anywhere else."""
    libraries = ENGINE_LIBRARIES[engine]
    offenders = {}
    for path in modules("hub", *FEATURES):
        parts = path.relative_to(ROOT).parts
        # Alembic migrations and the shapes they share are SQL's too.
        own = in_slice_engine(path, engine) or (engine == "sql" and (
            "migrations" in parts or module_name(path) == "hub.storage.migration_shapes"))
        names = sorted(n for n in imports_of(path) if within(n, *libraries))
        if names and not own:
            offenders[module_name(path)] = names
    assert offenders == {}


def test_each_feature_owns_its_persistence_slice():
    """Contracts, tables, stores and migrations of a feature live in its own package;
    hub.storage keeps the engine, the hub's own stores and the migration trunk."""
    from hub.app import FEATURES as installed

    slices = [s for feature in installed for s in feature.storage_slices()]
    assert {s.name for s in slices} == {"lrs", "lti_tool", "lti_platform", "transcripts",
                                        "connectors"}
    for slice_ in slices:
        assert slice_.migrations.is_dir() and any(slice_.migrations.glob("*.py")), slice_.name
        owner = module_name(slice_.migrations.parent / "__init__.py")
        assert owner.split(".")[0] in FEATURES and owner.endswith(".storage"), owner
    trunk = {p.name for p in (ROOT / "hub/storage/migrations/versions").glob("*.py")}
    assert trunk == {"0001_credentials.py", "sessions_0001.py"}
    hub_tables = (ROOT / "hub/storage/sql/tables.py").read_text()
    assert "statements" not in hub_tables and "lti_" not in hub_tables
    assert "transcript" not in hub_tables


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_reaches_another_only_through_its_service_module(feature):
    """Cross-feature needs go through `<feature>.service` or a port the factory installs
    (lrs.agents.PersonResolver, lti.tool.launch.IdentityLinker), never internals."""
    others = [f for f in FEATURES if f != feature]
    offenders = {module_name(p): sorted(n for n in imports_of(p) if within(n, *others)
                                        and n not in {f"{o}.service" for o in others}
                                        and n not in others)
                 for p in modules(feature)}
    assert {m: names for m, names in offenders.items() if names} == {}


def test_importing_a_whole_feature_package_is_not_a_back_door():
    """`from lrs import service` is fine; `from lrs import statements` would pass the
    name check above, so a package import must only name the service module."""
    offenders = []
    for feature in FEATURES:
        others = [f for f in FEATURES if f != feature]
        for path in modules(feature):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.ImportFrom) and node.module in others:
                    offenders += [f"{module_name(path)}: from {node.module} import {a.name}"
                                  for a in node.names if a.name != "service"]
    assert offenders == []


def test_the_factory_knows_each_feature_only_by_its_init_app():
    """create_app lists features and calls their init_app; none of their internals."""
    from hub import app as factory

    names = {n for n in imports_of(ROOT / "hub" / "app.py") if within(n, *FEATURES)}
    assert names <= set(FEATURES)
    assert all(callable(getattr(feature, "init_app", None)) for feature in factory.FEATURES)


def test_only_hub_jose_touches_a_jose_library():
    """PyJWT behind hub.jose for every JWK, signature and claim check; jwcrypto (which
    pylti1p3 pulls in) is left to pylti1p3 and to the tests' partner simulators."""
    offenders = {module_name(p): sorted(n for n in imports_of(p) if within(n, "jwt", "jwcrypto"))
                 for p in modules("hub", *FEATURES) if module_name(p) != "hub.jose"}
    assert {m: names for m, names in offenders.items() if names} == {}
