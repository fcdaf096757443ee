"""The platform role's stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.storage.contract import AlreadyExists
from lti.platform.storage.contract import (
    LineItemQuery,
    PartnerTool,
    PlatformContext,
    PlatformLineItem,
    PlatformMember,
    PlatformResult,
    ToolPlacement,
)
from lti.tool.registration import NewEntry, add_catalogue_entry

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def a_tool(storage, client_id: str = "client-1") -> PartnerTool:
    return storage.lti_platform_tools.insert_tool(PartnerTool(
        id=None, client_id=client_id, deployment_id="dep", name="Mitra", organisation="PT",
        login_url="https://t/login", target_link_uri="https://t/launch",
        redirect_uris=("https://t/launch",), jwks_url="https://t/jwks", custom={"a": "1"},
        services=frozenset({"score", "nrps"}), personal_data=frozenset({"name"}),
        sub_salt="salt", created_at=NOW))


def test_tools_round_trip_and_client_ids_are_unique(storage):
    tool = a_tool(storage)
    assert storage.lti_platform_tools.find_tool("client-1") == tool
    assert tool.services == {"score", "nrps"} and tool.redirect_uris == ("https://t/launch",)
    with pytest.raises(AlreadyExists):
        a_tool(storage)


def test_tool_update_replaces_its_fields_but_not_its_ids_or_salt(storage):
    tool = a_tool(storage)
    store = storage.lti_platform_tools
    changed = store.update_tool(replace(
        tool, client_id="other", deployment_id="other", sub_salt="other", name="Mitra Baru",
        organisation="PT Baru", login_url="https://u/login", target_link_uri="https://u/launch",
        redirect_uris=("https://u/launch", "https://u/dl"), jwks_url="https://u/jwks",
        deep_linking_url="https://u/dl", custom={"b": "2"}, services=frozenset({"score"}),
        personal_data=frozenset(), created_at=NOW + timedelta(days=1)))
    assert changed == store.get_tool(tool.id) == store.find_tool("client-1")
    assert (changed.client_id, changed.deployment_id, changed.sub_salt, changed.created_at) == (
        "client-1", "dep", "salt", NOW)
    assert (changed.name, changed.organisation, changed.login_url, changed.jwks_url) == (
        "Mitra Baru", "PT Baru", "https://u/login", "https://u/jwks")
    assert changed.redirect_uris == ("https://u/launch", "https://u/dl")
    assert (changed.custom, changed.services, changed.personal_data) == (
        {"b": "2"}, {"score"}, frozenset())
    assert store.update_tool(replace(tool, id=tool.id + 100)) is None


def test_tool_is_disabled_and_enabled_again(storage):
    tool = a_tool(storage)
    store = storage.lti_platform_tools
    assert tool.enabled
    assert store.set_tool_disabled(tool.id, NOW) is True
    assert store.set_tool_disabled(tool.id, NOW + timedelta(hours=1)) is True
    disabled = store.find_tool("client-1")
    assert not disabled.enabled and disabled.disabled_at == NOW
    assert [t.disabled_at for t in store.list_tools()] == [NOW]
    assert store.update_tool(replace(disabled, name="X")).disabled_at == NOW
    assert store.set_tool_disabled(tool.id, None) is True
    assert store.get_tool(tool.id).enabled
    assert store.set_tool_disabled(tool.id + 100, NOW) is False
    assert store.set_tool_disabled(tool.id + 100, None) is False


def test_a_placement_is_replaced_not_duplicated(storage):
    tool = a_tool(storage)
    add_catalogue_entry(storage.lti_catalogue, NewEntry(
        id="e1", title="E", activity_id="https://a/e1", launch_url="https://t/launch"))
    for hours in (1.0, 2.5):
        storage.lti_platform_tools.put_placement(ToolPlacement(
            catalogue_id="e1", tool_id=tool.id, custom={}, created_at=NOW,
            lesson_hours=hours))
    assert [p.lesson_hours for p in storage.lti_platform_tools.list_placements(tool.id)] == [2.5]


def test_an_assertion_id_is_accepted_once_until_purged(storage):
    tools = storage.lti_platform_tools
    assert tools.remember_assertion("c", "jti-1", NOW)
    assert not tools.remember_assertion("c", "jti-1", NOW + timedelta(hours=1))
    assert tools.remember_assertion("other", "jti-1", NOW)
    assert tools.purge_assertions(NOW + timedelta(seconds=1)) == 2


def test_results_keep_the_newest_score(storage):
    tool = a_tool(storage)
    storage.lti_platform_roster.upsert_context(PlatformContext(id="c", kind="catalogue",
                                                               updated=NOW))
    item = storage.lti_platform_gradebook.insert_line_item(PlatformLineItem(
        id=None, tool_id=tool.id, context_id="c", label="L", score_maximum=10, created_at=NOW))

    def save(when, given):
        return storage.lti_platform_gradebook.save_result(PlatformResult(
            line_item_id=item.id, sub="u", activity_progress="Completed",
            grading_progress="FullyGraded", timestamp=when, updated=NOW, score_given=given,
            score_maximum=10))

    assert save(NOW, 4)
    assert not save(NOW, 9)
    assert not save(NOW - timedelta(microseconds=1), 9)
    assert save(NOW + timedelta(milliseconds=1), 6)
    [result] = storage.lti_platform_gradebook.list_results(item.id)
    assert result.score_given == 6 and result.timestamp == NOW + timedelta(milliseconds=1)


def test_line_items_page_by_id_and_filter(storage):
    tool, other = a_tool(storage), a_tool(storage, "client-2")
    gradebook = storage.lti_platform_gradebook
    for owner, tag in ((tool, "a"), (tool, "b"), (tool, "a"), (other, "a")):
        gradebook.insert_line_item(PlatformLineItem(
            id=None, tool_id=owner.id, context_id="c", label=tag, score_maximum=1, tag=tag,
            created_at=NOW))
    first = gradebook.query_line_items(LineItemQuery(tool_id=tool.id, context_id="c", limit=2))
    rest = gradebook.query_line_items(LineItemQuery(tool_id=tool.id, context_id="c",
                                                    after_id=first[-1].id))
    assert [i.tag for i in first + rest] == ["a", "b", "a"]
    tagged = gradebook.query_line_items(LineItemQuery(tool_id=tool.id, context_id="c", tag="a"))
    assert len(tagged) == 2
    assert gradebook.delete_line_item(first[0].id)
    assert gradebook.get_line_item(first[0].id) is None


def test_members_page_by_sub(storage):
    tool = a_tool(storage)
    roster = storage.lti_platform_roster
    roster.upsert_context(PlatformContext(id="c", kind="catalogue", updated=NOW))
    roster.upsert_members([PlatformMember(tool_id=tool.id, context_id="c", sub=s,
                                          roles=("Learner",), updated=NOW) for s in "cab"])
    first = roster.list_members(tool.id, "c", limit=2)
    assert [m.sub for m in first] == ["a", "b"]
    assert [m.sub for m in roster.list_members(tool.id, "c", after_sub="b")] == ["c"]
