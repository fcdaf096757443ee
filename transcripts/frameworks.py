"""Competency frameworks (1EdTech CASE 1.1 JSON, or a simple CSV) and the mapping rules
that attach activities to their competencies.

CASE 1.1 (CFPackage JSON): the CFDocument is the framework; CFItems become
competencies or levels, read through CFAssociations (docs/transcripts.md, "CASE"):

* an item's type comes from its CFItemType — "Kompetensi Teknis"/"Technical",
  "Kompetensi Manajerial"/"Managerial", "Kompetensi Sosial Kultural"/"Socio-cultural"
  (PermenPAN-RB 38/2017) — or, without one, from its nearest `isChildOf` ancestor;
* items whose CFItemType is "Level"/"Tingkat" are levels.  A level belongs to the
  competency that `hasSkillLevel` points from (origin = competency, destination =
  level), or that it `isChildOf`.  Its number is the last number in its
  humanCodingScheme ("M.1.3" → 3), else in its listEnumeration, else the association's
  sequenceNumber; its description is its fullStatement;
* competencies are the typed items that are not levels and have no typed children
  (groupings such as "Kompetensi Manajerial" itself are not competencies).

CSV: one competency per row — `kode`/`code`, `nama`/`name`, `jenis`/`type`
(teknis | manajerial | sosial kultural) and `level`/`levels` ("1-5" or "1,2,3").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.storage.contract import Storage
from transcripts import ingest
from transcripts.announce import announcer
from transcripts.case_inputs import CaseError, CaseItem, CaseNode, parse_package
from transcripts.mapping import RuleError, check_rule
from transcripts.policy import Policy
from transcripts.storage import stores as transcript_stores
from transcripts.storage.contract import (
    MAPPING_RULE_KINDS,
    Competency,
    CompetencyLevel,
    Framework,
    MappingRule,
)

MAX_COMPETENCIES = 20_000


class FrameworkError(ValueError):
    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer


@dataclass(frozen=True)
class ParsedFramework:
    framework: Framework
    competencies: list[Competency]


def competency_type(label: str | None) -> str | None:
    """teknis | manajerial | sosial_kultural | level, from a CFItemType or CSV value."""
    text = (label or "").lower()
    if "teknis" in text or "technical" in text:
        return "teknis"
    if "manajerial" in text or "managerial" in text:
        return "manajerial"
    if "sosial" in text or "sosio" in text or "socio" in text or "social" in text:
        return "sosial_kultural"
    if "level" in text or "tingkat" in text:
        return "level"
    return None


def _number(text: Any) -> int | None:
    """The last number in a code: "M.1.3" → 3, "Level 2" → 2."""
    numbers = re.findall(r"\d+", text) if isinstance(text, str) else []
    return int(numbers[-1]) if numbers else None


def _resolved(aliases: Mapping[str, str], node: CaseNode | None) -> str | None:
    """An association end's item identifier (ends may name an item by its URI)."""
    name = node.name if node is not None else None
    return None if name is None else aliases.get(name, name)


def _refuse_nul(value: Any, pointer: str = "") -> None:
    """PostgreSQL cannot store NUL in text; no framework needs one."""
    if isinstance(value, str) and "\x00" in value:
        raise FrameworkError("the framework contains a NUL character", pointer)
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, pointer)
            _refuse_nul(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{pointer}/{index}")


def parse_case(body: Any) -> ParsedFramework:
    try:
        package = parse_package(body)
    except CaseError as error:
        raise FrameworkError(str(error), error.pointer) from None
    _refuse_nul(body)
    document = package.CFDocument
    by_id = {item.identifier: item for item in package.CFItems}
    aliases = {item.uri: item.identifier for item in package.CFItems if item.uri}
    parents: dict[str, str] = {}
    level_links: list[tuple[str, str, int | None]] = []  # (competency, level item, sequence)
    for association in package.CFAssociations:
        origin = _resolved(aliases, association.originNodeURI)
        destination = _resolved(aliases, association.destinationNodeURI)
        if origin is None or destination is None or origin not in by_id \
                or destination not in by_id:
            continue  # associations to the document or to other frameworks
        if association.associationType == "isChildOf":
            parents[origin] = destination
        elif association.associationType == "hasSkillLevel":
            level_links.append((origin, destination, association.sequenceNumber))
    own = {i: competency_type(item.CFItemType) for i, item in by_id.items()}
    level_items = {i for i, kind in own.items() if kind == "level"}
    level_items |= {level for _, level, _ in level_links}
    for child, parent in parents.items():
        if child in level_items and parent not in level_items:
            level_links.append((parent, child, None))
    types = {i: _inherited_type(i, own, parents) for i in by_id if i not in level_items}
    typed = {i: kind for i, kind in types.items() if kind}
    grouping = {parents[i] for i in typed if i in parents}
    levels = _levels(level_links, by_id)
    competencies = [
        Competency(
            id=i, framework_id=document.identifier,
            code=by_id[i].humanCodingScheme or i,
            name=by_id[i].abbreviatedStatement or by_id[i].fullStatement,
            type=typed[i], levels=tuple(levels.get(i, ())), uri=by_id[i].uri)
        for i in sorted(typed.keys() - grouping,
                        key=lambda i: (by_id[i].humanCodingScheme or "", i))
    ]
    if not competencies:
        raise FrameworkError("no competency found: CFItems need a CFItemType naming "
                             "teknis, manajerial or sosial kultural (or a typed parent)",
                             "/CFItems")
    return ParsedFramework(_framework(document.identifier, document.title, "case",
                                      document.uri, document.version),
                           competencies[:MAX_COMPETENCIES])


def _inherited_type(item: str, own: Mapping[str, str | None], parents: Mapping[str, str]
                    ) -> str | None:
    seen = set()
    current: str | None = item
    while current is not None and current not in seen:
        seen.add(current)
        if own.get(current) not in (None, "level"):
            return own[current]
        current = parents.get(current)
    return None


def _levels(links: list[tuple[str, str, int | None]], by_id: Mapping[str, CaseItem]
            ) -> dict[str, list[CompetencyLevel]]:
    found: dict[str, dict[int, CompetencyLevel]] = {}
    for position, (competency, level_id, sequence) in enumerate(links, start=1):
        item = by_id[level_id]
        number = _number(item.humanCodingScheme) or _number(item.listEnumeration)
        if number is None:
            number = sequence if sequence is not None else position
        found.setdefault(competency, {})[number] = CompetencyLevel(number, item.fullStatement)
    return {c: [levels[n] for n in sorted(levels)] for c, levels in found.items()}


def _framework(identifier: str, title: str, kind: str, uri: Any, version: Any) -> Framework:
    return Framework(id=identifier.strip(), title=title.strip(), format=kind,
                     uri=uri if isinstance(uri, str) else None,
                     version=version if isinstance(version, str) else None,
                     imported_at=datetime.now(UTC))


_CSV_ALIASES = {"kode": "code", "code": "code", "nama": "name", "name": "name",
                "jenis": "type", "type": "type", "level": "levels", "levels": "levels",
                "uri": "uri"}


def _levels_from(text: str) -> tuple[CompetencyLevel, ...]:
    text = text.strip()
    if not text:
        return ()
    if re.fullmatch(r"\d+\s*-\s*\d+", text):
        low, high = (int(x) for x in text.split("-"))
        numbers: Sequence[int] = range(low, high + 1)
    elif re.fullmatch(r"\d+(\s*[,;]\s*\d+)*", text):
        numbers = sorted({int(x) for x in re.split(r"\s*[,;]\s*", text)})
    else:
        raise ValueError(f"levels must look like 1-5 or 1,2,3, not {text!r}")
    if not numbers or max(numbers) > 20:
        raise ValueError("levels run from 1 to at most 20")
    return tuple(CompetencyLevel(n, f"Level {n}") for n in numbers)


def parse_csv(text: str, framework_id: str, title: str) -> ParsedFramework:
    if not framework_id.strip() or not title.strip():
        raise FrameworkError("a CSV framework needs an id and a title")
    _refuse_nul([text, framework_id, title])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise FrameworkError("the file is empty")
    columns = [_CSV_ALIASES.get(h.strip().lower()) for h in rows[0]]
    missing = {"code", "name", "type"} - set(columns)
    if missing:
        raise FrameworkError(f"missing column(s): {', '.join(sorted(missing))}")
    competencies, errors, codes = [], [], set()
    for line, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        record = {c: v.strip() for c, v in zip(columns, values, strict=False) if c}
        kind = competency_type(record.get("type"))
        problems = []
        if not record.get("code") or not record.get("name"):
            problems.append("code and name are required")
        if kind in (None, "level"):
            problems.append(f"type must be teknis, manajerial or sosial kultural, "
                            f"not {record.get('type')!r}")
        if record.get("code") in codes:
            problems.append(f"code {record['code']!r} appears twice")
        try:
            levels = _levels_from(record.get("levels", ""))
        except ValueError as exc:
            problems.append(str(exc))
        if problems or kind is None:
            errors += [f"line {line}: {p}" for p in problems]
            continue
        codes.add(record["code"])
        competencies.append(Competency(
            id=f"{framework_id.strip()}/{record['code']}", framework_id=framework_id.strip(),
            code=record["code"], name=record["name"], type=kind, levels=levels,
            uri=record.get("uri") or None))
    if errors:
        raise FrameworkError("; ".join(errors))
    if not competencies:
        raise FrameworkError("no competencies in the file")
    return ParsedFramework(_framework(framework_id, title, "csv", None, None), competencies)


def import_framework(storage: Storage, parsed: ParsedFramework, policy: Policy) -> int:
    """Store a framework (replacing an earlier import with the same id) and map existing
    evidence again (when it replaced one, or when evidence claims competencies).  Returns
    the number of evidence rows whose mapping changed."""
    existing = transcript_stores(storage).frameworks.competencies()
    incoming = {c.id for c in parsed.competencies}
    foreign = [c for c in parsed.competencies
               if c.id in existing and existing[c.id].framework_id != parsed.framework.id]
    if foreign:
        raise FrameworkError(f"competency {foreign[0].id} already belongs to framework "
                             f"{existing[foreign[0].id].framework_id}")
    dropped = {i for i, c in existing.items()
               if c.framework_id == parsed.framework.id and i not in incoming}
    used = transcript_stores(storage).frameworks.rules_using(dropped)
    if used:
        raise FrameworkError(
            f"the new version drops competencies that mapping rules use "
            f"(rule ids {', '.join(str(r.id) for r in used[:10])}); delete those rules first")
    transcript_stores(storage).frameworks.save_framework(parsed.framework, parsed.competencies)
    replaced = any(c.framework_id == parsed.framework.id for c in existing.values())
    # New codes may resolve claims (or make a code ambiguous): claims are mapped again too
    claims = bool(transcript_stores(storage).transcripts.claim_counts())
    return ingest.remap(transcript_stores(storage).transcripts, policy,
                        on_change=announcer()) if replaced or claims else 0


# --- mapping rules ------------------------------------------------------------------
def partner_pattern(storage: Storage, partner: str) -> str:
    """A partner rule matches the statement authority: given as a credential key (its
    authority agent), or directly as an agent key (`agent:account:<homePage> <name>`)."""
    from lrs.service import agent_key

    if partner.startswith(("agent:", "group:")):
        return partner
    credential = storage.credentials.find_credential(partner)
    if credential is None:
        raise RuleError(f"no credential with key {partner!r}", "partner")
    key = agent_key(credential.authority)
    if key is None:
        raise RuleError("that credential's authority has no identifier", "partner")
    return key


def new_rule(storage: Storage, *, kind: str, pattern: str, competency: str | None,
             level: int | None, jp_centi: int | None) -> MappingRule:
    if kind not in MAPPING_RULE_KINDS:
        raise RuleError(f"kind must be one of {', '.join(MAPPING_RULE_KINDS)}", "kind")
    pattern = pattern.strip()
    if "\x00" in pattern:
        raise RuleError("the pattern contains a NUL character", "pattern")
    if kind == "partner" and pattern:
        pattern = partner_pattern(storage, pattern)
    rule = MappingRule(kind=kind, pattern=pattern, competency_id=competency or None,
                       level=level, jp_centi=jp_centi, created_at=datetime.now(UTC))
    check_rule(rule, transcript_stores(storage).frameworks.competencies())
    return rule


def add_rules(storage: Storage, rules: list[MappingRule], policy: Policy
              ) -> tuple[list[MappingRule], int]:
    stored = [transcript_stores(storage).frameworks.insert_rule(rule) for rule in rules]
    return stored, ingest.remap(transcript_stores(storage).transcripts, policy,
                                on_change=announcer())


def delete_rule(storage: Storage, rule_id: int, policy: Policy) -> bool:
    deleted = transcript_stores(storage).frameworks.delete_rule(rule_id)
    if deleted:
        ingest.remap(transcript_stores(storage).transcripts, policy, on_change=announcer())
    return deleted


def parse_rules_csv(storage: Storage, text: str) -> tuple[list[MappingRule], list[str]]:
    """CSV columns: kind, pattern, competency (id or code), level, jp."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    by_code: dict[str, list[str]] = {}
    for known in transcript_stores(storage).frameworks.competencies().values():
        by_code.setdefault(known.code, []).append(known.id)
    rules, errors = [], []
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if any("\x00" in v for v in row.values()):
            errors.append(f"line {line}: contains a NUL character")
            continue
        try:
            competency = row.get("competency") or None
            if competency and len(by_code.get(competency, [])) == 1:
                competency = by_code[competency][0]
            rules.append(new_rule(
                storage, kind=row.get("kind", ""), pattern=row.get("pattern", ""),
                competency=competency,
                level=int(row["level"]) if row.get("level") else None,
                jp_centi=round(float(row["jp"]) * 100) if row.get("jp") else None))
        except RuleError as exc:
            errors.append(f"line {line}, {exc.field}: {exc}")
        except (ValueError, OverflowError) as exc:
            errors.append(f"line {line}: {exc}")
    return rules, errors
