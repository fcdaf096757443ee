"""Deep Linking 2.0: the catalogue of partner activities as signed ltiResourceLink items."""

from __future__ import annotations

from collections.abc import Sequence

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from hub.settings import current_settings
from lti.tool.grades import DEFAULT_SCORE_MAXIMUM
from lti.tool.storage.contract import CatalogueEntry, LtiCatalogueStore
from lti.tool.validation import HubMessageLaunch

SEARCH_LIMIT = 50


def launch_url() -> str:
    return current_settings().public_url.rstrip("/") + "/lti/launch"


def content_item(entry: CatalogueEntry) -> DeepLinkResource:
    """One ltiResourceLink (Deep Linking 2.0 §3.4.5): it launches the hub, which knows
    the partner activity from the `catalogue_id` custom parameter."""
    item = (DeepLinkResource().set_type("ltiResourceLink").set_title(entry.title)
            .set_url(launch_url()).set_custom_params({"catalogue_id": entry.id}))
    if entry.graded:
        item.set_lineitem(LineItem().set_label(entry.title).set_resource_id(entry.id)
                          .set_tag("berpijar")
                          .set_score_maximum(entry.score_maximum or DEFAULT_SCORE_MAXIMUM))
    return item


def response_jwt(launch: HubMessageLaunch, entries: Sequence[CatalogueEntry]) -> str:
    """The signed LtiDeepLinkingResponse (iss = our client id, aud = the platform)."""
    return launch.get_deep_link().get_response_jwt([content_item(e) for e in entries])


def return_url(launch: HubMessageLaunch) -> str:
    return launch.get_launch_data()[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"][
        "deep_link_return_url"]


def accepts_multiple(launch: HubMessageLaunch) -> bool:
    settings = launch.get_launch_data()[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    return settings.get("accept_multiple") in (True, "true")


class UnknownEntry(LookupError):
    """A choice the catalogue does not hold (a forged form, or an entry removed since
    the page was shown)."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(entry_id)
        self.entry_id = entry_id


def chosen_entries(catalogue: LtiCatalogueStore, ids: Sequence[str],
                   launch: HubMessageLaunch) -> list[CatalogueEntry]:
    """The entries ticked, in order; only the first when the platform takes one item."""
    chosen = []
    for entry_id in ids:
        entry = catalogue.get_entry(entry_id)
        if entry is None:
            raise UnknownEntry(entry_id)
        chosen.append(entry)
    return chosen if accepts_multiple(launch) else chosen[:1]
