"""`flask --app wsgi connectors import FILE --mapping MAPPING.json --credential KEY
[--dry-run]` (docs/connectors-imports.md); in the `connectors` group (connectors.cli)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from connectors.imports.jobs import prepare_import, storing
from connectors.imports.mapping import parse_mapping
from connectors.imports.run import BATCH_SIZE, ImportReport
from hub.errors import HubError

SHOWN_ERRORS = 200  # on the terminal; the count says how many more


def _where(error: HubError) -> str:
    named = [f"{kind} {value}" for kind, value in (("parameter", error.parameter),
                                                  ("at", error.pointer)) if value]
    return f" ({', '.join(named)})" if named else ""


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The column mapping (JSON; docs/connectors-imports.md).")
@click.option("--credential", required=True,
              help="Key of the importing credential: the statements are its statements.")
@click.option("--dry-run", is_flag=True,
              help="Check every row and say what would be stored; store nothing.")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=BATCH_SIZE,
              show_default=True, help="Rows stored per transaction.")
@with_appcontext
def import_command(file: Path, mapping_file: Path, credential: str, dry_run: bool,
                   batch_size: int) -> None:
    """Import completions from a CSV or XLSX file as statements of CREDENTIAL.

    Exits 1 when a row was refused or conflicts with what an earlier import stored."""
    try:
        mapping = parse_mapping(json.loads(mapping_file.read_text(encoding="utf-8")))
        importer = prepare_import(file.read_bytes(), mapping, credential)
    except ValueError as error:  # json.JSONDecodeError, UnicodeDecodeError
        raise click.ClickException(f"{mapping_file}: not a JSON mapping ({error})") from None
    except HubError as error:
        raise click.ClickException(f"{error.message}{_where(error)}") from None
    total = importer.table.count_rows()
    label = "Checking" if dry_run else "Importing"
    with click.progressbar(length=total, label=label, show_pos=True) as bar:
        reached = [0]

        def progress(report: ImportReport) -> None:
            bar.update(report.rows_done - reached[0])
            reached[0] = report.rows_done

        report = importer.run(storing(credential, dry_run=dry_run), batch_size=batch_size,
                              rows_total=total, progress=progress)
    _summary(report, dry_run)
    if report.refused or report.conflicts:
        raise SystemExit(1)


def _summary(report: ImportReport, dry_run: bool) -> None:
    verb = "would be stored" if dry_run else "stored"
    click.echo(f"{report.rows_total} rows: {report.stored} {verb}, {report.present} already "
               f"present, {report.conflicts} conflicting, {report.refused} refused")
    for error in report.errors[:SHOWN_ERRORS]:
        click.echo(str(error), err=True)
    if report.errors_total > SHOWN_ERRORS:
        click.echo(f"... and {report.errors_total - SHOWN_ERRORS} more errors", err=True)
