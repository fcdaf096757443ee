"""The page texts' catalogues are complete and in use, and Babel writes numbers and dates
the way the pages always have."""

from __future__ import annotations

import re
import string
import tomllib
from datetime import UTC, date, datetime
from fnmatch import fnmatch
from pathlib import Path

import flask_babel
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask

from hub import i18n
from lti.i18n import Formats, reason_text
from transcripts.aggregation import JP_TYPES
from transcripts.pages.texts import texts

ROOT = Path(__file__).resolve().parents[2]
POT = i18n.TRANSLATIONS / "messages.pot"


def _read(path: Path):
    with path.open("rb") as po:
        return read_po(po)


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _entries(path: Path) -> dict:
    return {_key(m): m for m in _read(path) if m.id}


def _forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _used_keys() -> set[str]:
    """The keys pybabel extract finds, with the repository's babel.cfg and keywords."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(ROOT, method_map, options_map, keywords=i18n.EXTRACT_KEYWORDS)
    return {m if isinstance(m, str) else m[0] for _, _, m, _, _ in found}


TEMPLATE = _entries(POT)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_catalogue_key_has_a_text_in_each_language(language):
    catalogue = _entries(i18n.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    assert catalogue.keys() == TEMPLATE.keys()
    plural_forms = _read(i18n.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").num_plurals
    for key, message in catalogue.items():
        assert message.pluralizable == TEMPLATE[key].pluralizable, key
        assert not message.fuzzy, key
        forms = _forms(message)
        assert len(forms) == (plural_forms if message.pluralizable else 1), key
        assert all(form.strip() for form in forms), f"{key} has no {language} text"


def test_indonesian_and_english_fill_in_the_same_values():
    indonesian = _entries(i18n.TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po")
    english = _entries(i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    for key, message in indonesian.items():
        expected = set().union(*map(_placeholders, _forms(message)))
        for form in _forms(english[key]):
            assert _placeholders(form) == expected, key


def test_every_key_the_code_and_templates_use_is_in_the_catalogue():
    assert _used_keys() - TEMPLATE.keys() == set()


def test_the_catalogue_holds_no_key_nothing_uses():
    """messages.pot is what `pybabel extract` finds (docs/architecture.md)."""
    assert TEMPLATE.keys() - _used_keys() == set()


def _literals(pattern: str, folder: str) -> set[str]:
    """The string literal each match of `pattern` (one group) holds, in a folder's code."""
    return {found for path in (ROOT / folder).rglob("*.py")
            for found in re.findall(pattern, path.read_text())}


def test_keys_built_at_run_time_are_in_the_catalogue():
    codes = _literals(r'(?:LaunchRejected|\brejected)\(\s*"(\w+)"', "lti")
    codes |= _literals(r'\bcode = "(\w+)"', "lti/tool")
    assert len(codes) > 20 and {f"rejected.{code}" for code in codes} <= TEMPLATE.keys()
    notices = _literals(r'(?:set_notice|SignInRequired)\(\s*"(\w+)"', "transcripts")
    assert notices and {f"notice.{code}" for code in notices} <= TEMPLATE.keys()
    assert {f"type.{kind}" for kind in JP_TYPES} <= TEMPLATE.keys()
    assert {f"error.{status}" for status in (400, 403, 404, 405, 500)} <= TEMPLATE.keys()


def test_no_compiled_catalogue_is_shipped_and_the_po_files_are_package_data():
    assert not list(i18n.TRANSLATIONS.rglob("*.mo"))
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["hub"]
    package = ROOT / "hub"
    for path in [POT, *i18n.TRANSLATIONS.rglob("*.po")]:
        assert any(fnmatch(str(path.relative_to(package)), p) for p in patterns), path


@pytest.mark.parametrize(("language", "centi", "written"), [
    ("id", 1250, "12,5"), ("en", 1250, "12.5"), ("id", 2000, "20"), ("id", 333, "3,33"),
    ("id", 123456, "1.234,56"), ("en", 123456, "1,234.56"), ("id", 0, "0"),
])
def test_jp_are_written_as_each_language_writes_numbers(language, centi, written):
    assert Formats(language).jp(centi) == written
    assert texts(language).jp(centi) == written


def test_dates_are_written_with_the_month_name():
    assert Formats("id").date(date(2026, 12, 4)) == "4 Desember 2026"
    assert Formats("en").date(date(2026, 12, 4)) == "4 December 2026"
    # the auditor pages write Jakarta time (WIB)
    late = datetime(2026, 12, 3, 20, 5, tzinfo=UTC)
    assert texts("id").date(late) == "4 Desember 2026"
    assert texts("id").moment(late) == "4 Desember 2026 03:05"
    assert texts("en").moment(late) == "4 December 2026 03:05"


def test_auditor_numbers_and_scores():
    assert texts("id").number(1234.5) == "1.234,5"
    assert texts("en").number(1234.5) == "1,234.5"
    assert texts("id").number(None) == "—"
    assert texts("id").score(8750) == "87,5%"


@pytest.mark.parametrize(("language", "count", "text"), [
    ("en", 1, "1 person shown"), ("en", 2, "2 people shown"), ("en", 0, "0 people shown"),
    ("en", 1234, "1,234 people shown"), ("id", 1, "1 pegawai ditampilkan"),
    ("id", 1234, "1.234 pegawai ditampilkan"),
])
def test_counted_texts_take_the_plural_form_of_their_language(language, count, text):
    assert texts(language).tn("search.count", count) == text


def test_an_unknown_key_shows_itself_and_an_unknown_reason_its_code():
    assert texts("en").t("no.such.key") == "no.such.key"
    assert reason_text("no_such_code", "en") == "no_such_code"
    assert reason_text("expired", "en") == "The id_token has expired."
    assert reason_text("expired", "id") == "id_token sudah kedaluwarsa."


def test_a_text_missing_in_english_falls_back_to_indonesian(tmp_path, monkeypatch):
    for language, text in (("id", "Halo"), ("en", "")):
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            f'msgid ""\nmsgstr ""\n"Language: {language}\\n"\n\n'
            f'msgid "greeting"\nmsgstr "{text}"\n')
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert i18n.translator("en")("greeting") == "Halo"
    finally:
        monkeypatch.undo()
        i18n.catalogue.cache_clear()


@pytest.fixture
def babel_app() -> Flask:
    app = Flask(__name__)
    i18n.init_babel(app)
    return app


@pytest.mark.parametrize(("url", "headers", "language"), [
    ("/", {}, "id"),
    ("/?lang=en", {}, "en"),
    ("/", {"Accept-Language": "en-GB,en;q=0.8"}, "en"),
    ("/?lang=id", {"Accept-Language": "en"}, "id"),
    ("/?lang=fr", {"Accept-Language": "fr"}, "id"),
])
def test_flask_babel_locale_is_the_hubs_language_pick(babel_app, url, headers, language):
    with babel_app.test_request_context(url, headers=headers):
        assert str(flask_babel.get_locale()) == language
        assert i18n.pick_language() == language
        expected = {"id": "Kemajuan belajar saya", "en": "My learning progress"}[language]
        assert flask_babel.gettext("title.progress") == expected


def test_a_launch_locale_picked_later_becomes_the_request_locale(babel_app):
    with babel_app.test_request_context("/"):
        assert str(flask_babel.get_locale()) == "id"
        assert i18n.pick_language("en-US") == "en"
        assert str(flask_babel.get_locale()) == "en"
        assert flask_babel.gettext("progress.anonymous") == "Welcome."


def test_outside_a_request_the_locale_is_indonesian(babel_app):
    with babel_app.app_context():
        assert str(flask_babel.get_locale()) == "id"
