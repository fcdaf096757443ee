"""`flask --app wsgi lti-platform ...`: partner tools, placements, content pickers, keys."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from hub.settings import current_settings
from lti.platform.deep_linking import picker_url
from lti.platform.storage import stores as platform_stores
from lti.platform.tools import (
    PERSONAL_DATA,
    SERVICE_SCOPES,
    NewPlacement,
    NewTool,
    edit_tool,
    place_entry,
    platform_urls,
    register_tool,
    set_tool_enabled,
)
from lti.role_commands import enablement_commands, enablement_state, signing_key_commands
from lti.tool.registration import InvalidRegistration
from lti.tool.storage import stores as tool_stores

platform = AppGroup("lti-platform", help="LTI 1.3 platform: the hub launches partner tools.")
keys = signing_key_commands(
    lambda: platform_stores().lti_platform_keys,
    help="The platform's signing keys (published at /lti/platform/jwks).",
    command="lti-platform", key_noun="platform key", peers="tools")
platform.add_command(keys)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not key=value", param_hint=option)
        pairs[key] = text
    return pairs


@platform.command("register")
@click.option("--name", required=True)
@click.option("--organisation", required=True, help="The partner organisation.")
@click.option("--login-url", required=True, help="The tool's OIDC login initiation URL.")
@click.option("--target-link-uri", required=True, help="Where launches go by default.")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="Repeat; default: the target link URI.")
@click.option("--jwks-url", required=True, help="The tool's public key set URL.")
@click.option("--deep-linking-url", default=None, help="The tool's content picker URL.")
@click.option("--custom", multiple=True, help="key=value, repeat for several.")
@click.option("--service", "services", multiple=True, type=click.Choice(list(SERVICE_SCOPES)))
@click.option("--personal-data", multiple=True, type=click.Choice(PERSONAL_DATA),
              help="What launches may tell the tool about the learner.")
def register(name, organisation, login_url, target_link_uri, redirect_uris, jwks_url,
             deep_linking_url, custom, services, personal_data):
    """Register a partner tool; the hub issues its client id and deployment id."""
    try:
        tool = register_tool(platform_stores().lti_platform_tools, NewTool(
            name=name, organisation=organisation, login_url=login_url,
            target_link_uri=target_link_uri, redirect_uris=redirect_uris, jwks_url=jwks_url,
            deep_linking_url=deep_linking_url, custom=_pairs(custom, "--custom"),
            services=services, personal_data=personal_data))
    except InvalidRegistration as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from None
    click.echo(f"registered partner tool {tool.id}: {tool.name} ({tool.organisation})")
    click.echo(f"  client id:     {tool.client_id}")
    click.echo(f"  deployment id: {tool.deployment_id}")
    for label, url in platform_urls(current_settings().public_url).items():
        click.echo(f"  platform {label}: {url}")


REGISTER_HINT = ("flask --app wsgi lti-platform register --name NAME --organisation ORG "
                 "--login-url URL --target-link-uri URL --jwks-url URL")


@platform.command("tools")
def tools():
    """List partner tools and whether they are enabled."""
    found = platform_stores().lti_platform_tools.list_tools()
    if not found:
        click.echo(f"No partner tools registered. Register one with: {REGISTER_HINT}")
        return
    for tool in found:
        click.echo(f"{tool.id}  {tool.name} ({tool.organisation})  client={tool.client_id}  "
                   f"services={','.join(sorted(tool.services)) or '-'}  "
                   f"personal_data={','.join(sorted(tool.personal_data)) or '-'}  "
                   f"{enablement_state(tool)}")


CLEARABLE = ("redirect_uris", "deep_linking_url", "custom", "services", "personal_data")


@platform.command("tool-edit")
@click.argument("tool_id", type=int)
@click.option("--name", default=None)
@click.option("--organisation", default=None)
@click.option("--login-url", default=None)
@click.option("--target-link-uri", default=None)
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="Repeat; replaces every redirect URI.")
@click.option("--jwks-url", default=None)
@click.option("--deep-linking-url", default=None)
@click.option("--custom", multiple=True, help="key=value, repeat; replaces them all.")
@click.option("--service", "services", multiple=True, type=click.Choice(list(SERVICE_SCOPES)),
              help="Repeat; replaces the services granted.")
@click.option("--personal-data", multiple=True, type=click.Choice(PERSONAL_DATA),
              help="Repeat; replaces what launches may tell.")
@click.option("--clear", "cleared", multiple=True, type=click.Choice(CLEARABLE),
              help="Empty this field (redirect URIs: the target link URI alone).")
def tool_edit(tool_id, name, organisation, login_url, target_link_uri, redirect_uris, jwks_url,
              deep_linking_url, custom, services, personal_data, cleared):
    """Change a partner tool's registration (its client and deployment ids stay)."""
    changes: dict = {k: v for k, v in (
        ("name", name), ("organisation", organisation), ("login_url", login_url),
        ("target_link_uri", target_link_uri), ("jwks_url", jwks_url),
        ("deep_linking_url", deep_linking_url)) if v is not None}
    for key, values in (("redirect_uris", redirect_uris), ("services", services),
                        ("personal_data", personal_data)):
        if values:
            changes[key] = tuple(values)
    if custom:
        changes["custom"] = _pairs(custom, "--custom")
    for key in cleared:
        changes[key] = {"custom": {}, "deep_linking_url": None}.get(key, ())
    if not changes:
        raise click.UsageError("nothing to change; see --help")
    try:
        tool = edit_tool(platform_stores().lti_platform_tools, tool_id, changes)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    except InvalidRegistration as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from None
    click.echo(f"partner tool {tool.id}: {tool.name} ({tool.organisation}), "
               f"launch {tool.target_link_uri}, services "
               f"{','.join(sorted(tool.services)) or '-'}, {enablement_state(tool)}")


enablement_commands(
    platform, lambda tool_id, enabled: set_tool_enabled(platform_stores().lti_platform_tools,
                                                        tool_id, enabled),
    prefix="tool", noun="partner tool",
    disable_help="Refuse the tool's launches, token requests and service calls at once.",
    enable_help="Let a disabled partner tool be launched and call the services again.",
    afterwards="work again")


@platform.command("place")
@click.argument("catalogue_id")
@click.argument("tool_id", type=int)
@click.option("--url", default=None, help="Target link URI (default: the tool's).")
@click.option("--custom", multiple=True, help="key=value, repeat for several.")
@click.option("--jp", "lesson_hours", type=float, default=None, help="Lesson hours (JP).")
@click.option("--passing-score", type=float, default=None, help="Scaled 0..1.")
def place(catalogue_id, tool_id, url, custom, lesson_hours, passing_score):
    """Launch a catalogue entry through a partner tool."""
    try:
        placement = place_entry(platform_stores().lti_platform_tools,
                                tool_stores().lti_catalogue, NewPlacement(
            catalogue_id=catalogue_id, tool_id=tool_id, url=url,
            custom=_pairs(custom, "--custom"), lesson_hours=lesson_hours,
            passing_score=passing_score))
    except InvalidRegistration as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from None
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{placement.catalogue_id} is launched by tool {placement.tool_id}")


@platform.command("deep-link")
@click.argument("tool_id", type=int)
def deep_link(tool_id: int):
    """A single-use URL that opens the tool's content picker (15 minutes)."""
    tool = platform_stores().lti_platform_tools.get_tool(tool_id)
    if tool is None:
        raise click.ClickException(f"no partner tool {tool_id}")
    try:
        click.echo(picker_url(tool, "cli", "CLI"))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None


@platform.command("purge")
def purge():
    """Forget expired client assertion ids."""
    count = platform_stores().lti_platform_tools.purge_assertions(datetime.now(UTC))
    click.echo(f"purged {count} expired assertion id(s)")
