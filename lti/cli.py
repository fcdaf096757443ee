"""`flask --app wsgi lti ...`: platforms, invites, keys, catalogue, grades, rosters."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from hub.settings import current_settings
from hub.storage.contract import AlreadyExists
from lti.role_commands import enablement_commands, enablement_state, signing_key_commands
from lti.tool.grades import push_grades
from lti.tool.registration import (
    InvalidRegistration,
    NewEntry,
    NewPlatform,
    add_catalogue_entry,
    create_invite,
    edit_platform,
    register_platform,
    set_platform_enabled,
    tool_urls,
)
from lti.tool.roster import RosterUnavailable, sync_roster
from lti.tool.storage import stores as tool_stores

lti = AppGroup("lti", help="LTI 1.3: the hub as a tool that LMSs launch.")
keys = signing_key_commands(lambda: tool_stores().lti_keys,
                            help="The hub's LTI signing keys (published at /lti/jwks).",
                            command="lti", key_noun="key", peers="platforms")
catalogue = AppGroup("catalogue", help="Partner activities offered through Deep Linking.")
grades = AppGroup("grades", help="AGS grade passback to the LMSs.")
lti.add_command(keys)
lti.add_command(catalogue)
lti.add_command(grades)


@lti.command("register")
@click.option("--issuer", required=True, help="The platform's issuer (iss), an https URL.")
@click.option("--client-id", required=True, help="The client id the LMS gave the hub.")
@click.option("--name", default="", help="A name for people, e.g. 'Moodle BKPSDM'.")
@click.option("--auth-login-url", required=True, help="The LMS's OIDC authorization URL.")
@click.option("--token-url", required=True, help="The LMS's OAuth2 token URL.")
@click.option("--jwks-url", required=True, help="The LMS's public key set URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True,
              help="Repeat for several deployments.")
@click.option("--audience", default=None, help="Token audience if not the token URL.")
def register(issuer, client_id, name, auth_login_url, token_url, jwks_url, deployment_ids,
             audience):
    """Register a platform (LMS) that launches the hub."""
    try:
        platform = register_platform(tool_stores().lti_platforms, NewPlatform(
            issuer=issuer, client_id=client_id, name=name, auth_login_url=auth_login_url,
            token_url=token_url, jwks_url=jwks_url, deployment_ids=deployment_ids,
            auth_audience=audience))
    except InvalidRegistration as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field.split('/')[0]}"
                                 .replace("_", "-")) from None
    except AlreadyExists:
        raise click.ClickException("this issuer and client id are already registered; add "
                                   "deployments with `lti deployment-add`") from None
    click.echo(f"registered platform {platform.id}: {platform.name} ({platform.issuer}, "
               f"client {platform.client_id}, deployments: "
               f"{', '.join(platform.deployment_ids) or 'none'})")
    for label, url in tool_urls(current_settings().public_url).items():
        click.echo(f"  tool {label}: {url}")


REGISTER_HINT = ("flask --app wsgi lti register --issuer URL --client-id ID "
                 "--auth-login-url URL --token-url URL --jwks-url URL --deployment-id ID "
                 "(or `lti invite` for Dynamic Registration)")


@lti.command("platforms")
def platforms():
    """List registered platforms, their deployments and whether they are enabled."""
    found = tool_stores().lti_platforms.list_platforms()
    if not found:
        click.echo(f"No platforms registered. Register one with: {REGISTER_HINT}")
        return
    for p in found:
        click.echo(f"{p.id}  {p.name}  {p.issuer}  client={p.client_id}  "
                   f"deployments={','.join(p.deployment_ids) or '-'}  {enablement_state(p)}")


def _option_hint(field: str) -> str:
    name = field.split("/")[0]
    return {"deployment_ids": "--deployment-id", "auth_audience": "--audience"}.get(
        name, "--" + name.replace("_", "-"))


@lti.command("platform-edit")
@click.argument("platform_id", type=int)
@click.option("--client-id", default=None)
@click.option("--name", default=None)
@click.option("--auth-login-url", default=None)
@click.option("--token-url", default=None)
@click.option("--jwks-url", default=None)
@click.option("--deployment-id", "deployment_ids", multiple=True,
              help="Repeat; replaces the whole set of deployments.")
@click.option("--audience", default=None, help="Token audience if not the token URL.")
@click.option("--clear-audience", is_flag=True, help="Use the token URL as audience again.")
def platform_edit(platform_id, client_id, name, auth_login_url, token_url, jwks_url,
                  deployment_ids, audience, clear_audience):
    """Change a platform's registration (not its issuer: that is a new registration)."""
    changes = {k: v for k, v in (
        ("client_id", client_id), ("name", name), ("auth_login_url", auth_login_url),
        ("token_url", token_url), ("jwks_url", jwks_url), ("auth_audience", audience))
        if v is not None}
    if deployment_ids:
        changes["deployment_ids"] = deployment_ids
    if clear_audience:
        changes["auth_audience"] = None
    if not changes:
        raise click.UsageError("nothing to change; see --help")
    try:
        platform = edit_platform(tool_stores().lti_platforms, platform_id, changes)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    except InvalidRegistration as exc:
        raise click.BadParameter(exc.message, param_hint=_option_hint(exc.field)) from None
    except AlreadyExists:
        raise click.ClickException("another registration has this issuer and client "
                                   "id") from None
    click.echo(f"platform {platform.id}: {platform.name} ({platform.issuer}, client "
               f"{platform.client_id}, deployments: {', '.join(platform.deployment_ids) or 'none'}"
               f", {enablement_state(platform)})")


enablement_commands(
    lti, lambda platform_id, enabled: set_platform_enabled(tool_stores().lti_platforms,
                                                           platform_id, enabled),
    prefix="platform", noun="platform",
    disable_help="Refuse the platform's logins, launches and pages at once; grades wait.",
    enable_help="Let a disabled platform launch the hub again.",
    afterwards="launch again")


@lti.command("deployment-add")
@click.argument("platform_id", type=int)
@click.argument("deployment_id")
def deployment_add(platform_id: int, deployment_id: str):
    """Add a deployment to a registered platform."""
    store = tool_stores().lti_platforms
    if store.get_platform(platform_id) is None:
        raise click.ClickException(f"no platform {platform_id}")
    added = store.add_deployment(platform_id, deployment_id, datetime.now(UTC))
    click.echo(f"deployment {deployment_id} {'added' if added else 'was already there'}")


@lti.command("invite")
@click.option("--note", default="", help="Whom the link is for.")
def invite(note: str):
    """A single-use Dynamic Registration URL for an LMS administrator to paste."""
    url = create_invite(tool_stores().lti_platforms, note, current_settings().public_url)
    click.echo(url)
    click.echo("Valid for 7 days, for one registration.")


@catalogue.command("add")
@click.option("--id", "entry_id", required=True, help="A short id without spaces.")
@click.option("--title", required=True)
@click.option("--activity-id", required=True, help="The partner activity's xAPI IRI.")
@click.option("--launch-url", required=True, help="Where the partner activity runs.")
@click.option("--description", default="")
@click.option("--keywords", default="")
@click.option("--graded/--ungraded", default=False)
@click.option("--score-maximum", type=float, default=None)
def catalogue_add(entry_id, title, activity_id, launch_url, description, keywords, graded,
                  score_maximum):
    """Add a partner activity to the Deep Linking catalogue."""
    try:
        entry = add_catalogue_entry(tool_stores().lti_catalogue, NewEntry(
            id=entry_id, title=title, activity_id=activity_id, launch_url=launch_url,
            description=description, keywords=keywords, graded=graded,
            score_maximum=score_maximum))
    except InvalidRegistration as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field}".replace("_", "-")
                                 ) from None
    except AlreadyExists:
        raise click.ClickException(f"catalogue entry {entry_id} already exists") from None
    click.echo(f"added {entry.id}: {entry.title}{' (graded)' if entry.graded else ''}")


@catalogue.command("list")
@click.option("--search", default="")
def catalogue_list(search: str):
    for entry in tool_stores().lti_catalogue.search_entries(search, 1000):
        click.echo(f"{entry.id}  {entry.title}  {entry.activity_id}"
                   f"{'  graded' if entry.graded else ''}")


@grades.command("push")
def grades_push():
    """Post due scores to the LMSs once (the worker, `flask --app wsgi worker`, keeps
    doing it), retrying with backoff while one is down."""
    report = push_grades()
    tool_stores().lti_sessions.purge_expired(datetime.now(UTC))
    click.echo(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")


@lti.command("roster-sync")
@click.argument("platform_id", type=int)
@click.argument("context_id")
def roster_sync(platform_id: int, context_id: str):
    """Read a course's whole membership from the LMS (NRPS)."""
    platform = tool_stores().lti_platforms.get_platform(platform_id)
    if platform is None:
        raise click.ClickException(f"no platform {platform_id}")
    try:
        count = sync_roster(platform, context_id)
    except RosterUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{count} members of {context_id}")
