"""The import arrows of docs/architecture.md, checked on the source.

wsgi → hub.app → {lrs, lti, transcripts, connectors} → hub infrastructure → hub.storage
contract → engines.  Function-level imports count too.
"""

from __future__ import annotations

import ast
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


@pytest.mark.parametrize("feature", FEATURES)
def test_features_use_the_storage_contract_not_an_engine_nor_the_factory(feature):
    forbidden = ("hub.app", "hub.cli", "hub.storage.sql")
    offenders = {module_name(p): sorted(n for n in imports_of(p) if within(n, *forbidden))
                 for p in modules(feature)}
    assert {m: names for m, names in offenders.items() if names} == {}


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
