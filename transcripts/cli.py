"""`flask --app wsgi transcripts ...` and `flask --app wsgi frameworks ...`.

    transcripts roster import FILE [--skip-invalid]
    transcripts sync | rebuild | status
    transcripts keys generate [--algorithm RS256|EdDSA] | keys list
    transcripts issue NIP YEAR [--output FILE]
    transcripts verify FILE|-
    transcripts auditors limit KEY --agency A [--agency B ...] | unlimit KEY | show [KEY]
    transcripts access-log [--subject NIP] [--limit N]
    frameworks import FILE [--format case|csv] [--id ID --title TITLE]
    frameworks list
    frameworks rules import FILE | rules list
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from hub.errors import NotFound
from hub.storage import current_storage
from hub.text_input import NotUTF8, decode_utf8
from transcripts import frameworks as framework_ops
from transcripts import identity, queries, render, service, signing
from transcripts.access import operator_reader
from transcripts.mapping import CLAIMS_NOT_COUNTED, RuleError
from transcripts.policy import current_policy
from transcripts.roster import parse_roster
from transcripts.storage import stores as transcript_stores
from transcripts.storage.contract import AccessQuery

transcripts_group = AppGroup("transcripts", help="Competency transcripts of civil servants.")
roster_group = AppGroup("roster", help="The person registry (NIP, identifiers).")
keys_group = AppGroup("keys", help="The keys signed transcripts are issued with.")
auditors_group = AppGroup("auditors", help="Agencies an auditor credential may read.")
frameworks_group = AppGroup("frameworks", help="Competency frameworks and mapping rules.")
rules_group = AppGroup("rules", help="Mapping rules: activities → competency, level, JP.")
transcripts_group.add_command(roster_group)
transcripts_group.add_command(keys_group)
transcripts_group.add_command(auditors_group)
frameworks_group.add_command(rules_group)


def groups() -> list[AppGroup]:
    return [transcripts_group, frameworks_group]


def register(app: Flask) -> None:
    for group in groups():
        app.cli.add_command(group)


def _read(path: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        return decode_utf8(data, what="standard input" if path == "-" else path)
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    except NotUTF8 as exc:
        raise click.ClickException(str(exc)) from None


# --- roster ---------------------------------------------------------------------------
@roster_group.command("import")
@click.argument("file")
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows even when others have errors.")
def roster_import(file: str, skip_invalid: bool) -> None:
    """Register the people of a roster CSV and link their identifiers."""
    roster = parse_roster(_read(file))
    report = identity.import_roster(current_storage(), roster, current_policy(),
                                    skip_invalid=skip_invalid)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    for conflict in report.conflicts:
        click.echo(f"conflict: {conflict.identifier} is linked to NIP {conflict.linked_nip}, "
                   f"not {conflict.claimed_nip} (kept; see the conflicts list)", err=True)
    if not report.imported:
        raise click.ClickException(f"{len(report.errors)} error(s); nothing imported "
                                   "(fix the file, or --skip-invalid to import valid rows)")
    click.echo(f"imported {report.people} people, {report.links} identifiers linked, "
               f"{len(report.conflicts)} conflict(s), {len(report.errors)} row(s) skipped")
    if report.errors:
        sys.exit(1)


# --- the feed -------------------------------------------------------------------------
def _run_with_progress(run, label: str) -> None:
    with click.progressbar(length=0, label=label, show_pos=True) as bar:
        report = run(progress=lambda n: bar.update(n))
    click.echo(f"{report.statements} statements processed, cursor at {report.cursor}, "
               f"{report.open_gaps} open gap(s)")


@transcripts_group.command("sync")
def sync() -> None:
    """Process every statement stored since the cursor (catch-up after a crash; the
    worker, `flask --app wsgi worker`, follows the feed continuously)."""
    _run_with_progress(service.sync_now, "processing statements")


@transcripts_group.command("rebuild")
@click.confirmation_option(prompt="Forget all derived transcript data and recompute it?")
def rebuild() -> None:
    """Recompute every transcript from the statement feed (same result as incremental)."""
    _run_with_progress(service.rebuild_now, "rebuilding")


@transcripts_group.command("status")
def status() -> None:
    storage = transcript_stores()
    state = storage.transcripts.feed_state()
    click.echo(f"cursor: {state.cursor}")
    click.echo(f"open gaps: {len(state.gaps)}")
    click.echo(f"statements waiting for an identity link: "
               f"{storage.transcripts.count_unlinked()}")
    for claim in storage.transcripts.claim_counts():
        if claim.outcome in CLAIMS_NOT_COUNTED:
            click.echo(f"competency claim {claim.code!r} not counted ({claim.outcome}): "
                       f"{claim.evidence} evidence")


# --- keys, issue, verify ----------------------------------------------------------------
@keys_group.command("generate")
@click.option("--algorithm", type=click.Choice(signing.ALGORITHMS), default="RS256",
              show_default=True, help="RS256 (RSA 3072) is what every OB 3.0 verifier "
                                      "supports; EdDSA (Ed25519) is smaller.")
def keys_generate(algorithm: str) -> None:
    """Make a new issuer key; it signs from now on, older keys stay published."""
    key = signing.generate_key(algorithm)
    transcript_stores().issuer_keys.insert_key(key, retire_others_at=key.created_at)
    click.echo(f"kid: {key.kid} ({algorithm})")
    click.echo(f"published at {signing.key_url(current_policy(), key.kid)}")


@keys_group.command("list")
def keys_list() -> None:
    for key in transcript_stores().issuer_keys.list_keys():
        state = "active" if key.retired_at is None else f"retired {key.retired_at:%Y-%m-%d}"
        click.echo(f"{key.kid}  {key.algorithm:6}  {key.created_at:%Y-%m-%d}  {state}")


@transcripts_group.command("issue")
@click.argument("nip")
@click.argument("year", type=int)
@click.option("--output", type=click.Path(dir_okay=False), help="Write the JWS here.")
def issue(nip: str, year: int, output: str | None) -> None:
    """Issue a signed OB 3.0 copy of a transcript (a compact JWS)."""
    storage, policy = current_storage(), current_policy()
    try:
        transcript = queries.transcript_for(storage, policy, operator_reader("issue"), nip, year,
                                            action="credential.issue")
        issued = signing.issue(transcript_stores(storage).issuer_keys, policy, transcript)
    except (NotFound, signing.SigningError) as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        Path(output).write_text(issued.token + "\n", encoding="ascii")
        click.echo(f"written to {output}")
    else:
        click.echo(issued.token)


@transcripts_group.command("verify")
@click.argument("file")
def verify(file: str) -> None:
    """Check a signed transcript: signature, issuer, claims, and whether it is current."""
    result = queries.verify_credential(current_storage(), current_policy(),
                                       operator_reader("verify"), _read(file))
    for name in ("signature", "issuer", "claims"):
        click.echo(f"{name:10} {'ok' if getattr(result, name) else 'FAILED'}")
    current = {True: "unchanged since issue", False: "CHANGED since issue",
               None: "not checked"}[result.current]
    click.echo(f"{'transcript':10} {current}")
    for error in result.errors:
        click.echo(f"- {error}")
    if not result.valid or result.current is False:
        sys.exit(1)


# --- auditors and the access log ----------------------------------------------------------
@auditors_group.command("limit")
@click.argument("key")
@click.option("--agency", "agencies", multiple=True, required=True,
              help="Repeat for several agencies.")
def auditors_limit(key: str, agencies: tuple[str, ...]) -> None:
    """Limit an auditor credential to these agencies."""
    storage = current_storage()
    if storage.credentials.find_credential(key) is None:
        raise click.ClickException(f"no credential with key {key}")
    transcript_stores().access.set_agency_limits(key, agencies)
    click.echo(f"{key} may read: {', '.join(sorted(set(agencies)))}")


@auditors_group.command("unlimit")
@click.argument("key")
def auditors_unlimit(key: str) -> None:
    transcript_stores().access.set_agency_limits(key, None)
    click.echo(f"{key} may read every agency")


@auditors_group.command("show")
@click.argument("key", required=False)
def auditors_show(key: str | None) -> None:
    limits = transcript_stores().access.list_agency_limits()
    for credential_key, agencies in limits.items():
        if key in (None, credential_key):
            click.echo(f"{credential_key}: {', '.join(sorted(agencies))}")
    if key is not None and key not in limits:
        click.echo(f"{key}: every agency")


@transcripts_group.command("access-log")
@click.option("--subject", help="A NIP, or agency:<name>.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
def access_log(subject: str | None, limit: int) -> None:
    """Who read whose data (newest last)."""
    storage = current_storage()
    entries = queries.access_log(storage, operator_reader("access-log"),
                                 AccessQuery(subject=subject, limit=limit))
    for entry in entries:
        click.echo(json.dumps(render.access_json(entry), ensure_ascii=False))


# --- frameworks --------------------------------------------------------------------------
@frameworks_group.command("import")
@click.argument("file")
@click.option("--format", "kind", type=click.Choice(["case", "csv"]),
              help="Default: from the file name (.json → case, .csv → csv).")
@click.option("--id", "framework_id", help="Framework id (CSV only).")
@click.option("--title", help="Framework title (CSV only).")
def frameworks_import(file: str, kind: str | None, framework_id: str | None,
                      title: str | None) -> None:
    """Import a CASE 1.1 JSON package or a CSV framework."""
    kind = kind or ("csv" if file.lower().endswith(".csv") else "case")
    text = _read(file)
    try:
        if kind == "csv":
            if not framework_id or not title:
                raise click.UsageError("a CSV framework needs --id and --title")
            parsed = framework_ops.parse_csv(text, framework_id, title)
        else:
            try:
                package = json.loads(text)
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{file} is not JSON: {exc}") from None
            parsed = framework_ops.parse_case(package)
        changed = framework_ops.import_framework(current_storage(), parsed, current_policy())
    except framework_ops.FrameworkError as exc:
        raise click.ClickException(str(exc)) from None
    by_type: dict[str, int] = {}
    for competency in parsed.competencies:
        by_type[competency.type] = by_type.get(competency.type, 0) + 1
    click.echo(f"framework {parsed.framework.id} ({parsed.framework.title}): "
               f"{len(parsed.competencies)} competencies "
               f"({', '.join(f'{k} {v}' for k, v in sorted(by_type.items()))}); "
               f"{changed} evidence rows remapped")


@frameworks_group.command("list")
def frameworks_list() -> None:
    for framework in transcript_stores().frameworks.list_frameworks():
        click.echo(f"{framework.id}  {framework.format}  {framework.competency_count:5} "
                   f"competencies  {framework.title}")


@rules_group.command("import")
@click.argument("file")
def rules_import(file: str) -> None:
    """Add mapping rules from a CSV (kind, pattern, competency, level, jp)."""
    storage = current_storage()
    rules, errors = framework_ops.parse_rules_csv(storage, _read(file))
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        raise click.ClickException(f"{len(errors)} error(s); no rule imported")
    try:
        stored, changed = framework_ops.add_rules(storage, rules, current_policy())
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(stored)} rules stored; {changed} evidence rows remapped")


@rules_group.command("list")
def rules_list() -> None:
    for rule in transcript_stores().frameworks.list_rules():
        click.echo(json.dumps(render.rule_json(rule), ensure_ascii=False))


