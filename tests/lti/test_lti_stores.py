"""The LTI storage contract on both engines: single-use values, unique grade jobs,
leases, upserts that keep what they are not told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.storage.contract import AlreadyExists
from lti.tool.storage.contract import GradeJob, LtiPlatform, LtiResourceLink, LtiUser

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def test_taken_value_is_gone_for_the_next_taker(storage):
    sessions = storage.lti_sessions
    sessions.put_value("lti1p3-nonce-abc", True, NOW + timedelta(minutes=10))
    assert sessions.take_value("lti1p3-nonce-abc", NOW) is True
    assert sessions.take_value("lti1p3-nonce-abc", NOW) is None


def test_expired_values_read_as_absent_and_are_purged(storage):
    sessions = storage.lti_sessions
    sessions.put_value("k", {"a": 1}, NOW + timedelta(seconds=5))
    assert sessions.get_value("k", NOW) == {"a": 1}
    assert sessions.get_value("k", NOW + timedelta(seconds=6)) is None
    assert sessions.take_value("k", NOW + timedelta(seconds=6)) is None
    sessions.put_value("k2", 1, NOW)
    assert sessions.purge_expired(NOW + timedelta(seconds=1)) == 1


def platform(storage) -> LtiPlatform:
    return storage.lti_platforms.insert_platform(LtiPlatform(
        id=None, issuer="https://lms.example", client_id="c1", name="LMS",
        auth_login_url="https://lms.example/auth", token_url="https://lms.example/token",
        jwks_url="https://lms.example/jwks", created_at=NOW, deployment_ids=("d1", "d2")))


def test_platform_pair_is_unique(storage):
    stored = platform(storage)
    assert stored.deployment_ids == ("d1", "d2")
    with pytest.raises(AlreadyExists):
        platform(storage)


def test_platform_update_replaces_its_fields_and_deployments_but_not_its_identity(storage):
    stored = platform(storage)
    store = storage.lti_platforms
    changed = store.update_platform(replace(
        stored, issuer="https://other.example", client_id="c2", name="Moodle",
        auth_login_url="https://lms.example/auth2", token_url="https://lms.example/token2",
        jwks_url="https://lms.example/jwks2", auth_audience="aud",
        deployment_ids=("d2", "d3"), created_at=NOW + timedelta(days=1)))
    assert changed == store.get_platform(stored.id)
    assert (changed.issuer, changed.client_id, changed.name, changed.auth_audience) == (
        "https://lms.example", "c2", "Moodle", "aud")
    assert (changed.auth_login_url, changed.token_url, changed.jwks_url) == (
        "https://lms.example/auth2", "https://lms.example/token2", "https://lms.example/jwks2")
    assert set(changed.deployment_ids) == {"d2", "d3"} and changed.created_at == NOW
    assert store.update_platform(replace(stored, id=stored.id + 100)) is None


def test_platform_update_to_a_taken_client_id_changes_nothing(storage):
    first = platform(storage)
    second = storage.lti_platforms.insert_platform(replace(first, id=None, client_id="c9"))
    with pytest.raises(AlreadyExists):
        storage.lti_platforms.update_platform(replace(second, client_id="c1",
                                                      deployment_ids=("x",)))
    assert storage.lti_platforms.get_platform(second.id) == second


def test_platform_is_disabled_and_enabled_again(storage):
    stored = platform(storage)
    store = storage.lti_platforms
    assert stored.enabled and stored.disabled_at is None
    assert store.set_platform_disabled(stored.id, NOW) is True
    assert store.set_platform_disabled(stored.id, NOW + timedelta(hours=1)) is True
    disabled = store.find_platforms("https://lms.example")[0]
    assert not disabled.enabled and disabled.disabled_at == NOW  # the first time stays
    assert store.update_platform(replace(disabled, name="Renamed")).disabled_at == NOW
    assert store.set_platform_disabled(stored.id, None) is True
    assert store.get_platform(stored.id).enabled
    assert store.set_platform_disabled(stored.id + 100, NOW) is False
    assert store.set_platform_disabled(stored.id + 100, None) is False


def test_user_upsert_keeps_values_the_new_record_lacks(storage):
    roster = storage.lti_roster
    roster.upsert_users([LtiUser(issuer="i", sub="s", updated=NOW, email="a@b.go.id",
                                 name="Siti")])
    roster.upsert_users([LtiUser(issuer="i", sub="s", updated=NOW, name="Siti R.")])
    user = roster.find_user("i", "s")
    assert (user.name, user.email) == ("Siti R.", "a@b.go.id")
    assert [u.sub for u in roster.find_users_by_email("A@B.go.id")] == ["s"]


def link_with_job(storage):
    stored = platform(storage)
    storage.lti_roster.upsert_resource_link(LtiResourceLink(
        platform_id=stored.id, resource_link_id="l1", deployment_id="d1", activity_key="k",
        updated=NOW, ags_scopes=("score",)))
    return GradeJob(platform_id=stored.id, resource_link_id="l1", sub="s",
                    statement_id="3f0c2a4e-8a5b-4c1d-9e7f-0a1b2c3d4e5f",
                    activity_progress="Completed", grading_progress="FullyGraded",
                    timestamp="2026-05-04T10:00:00Z", created_at=NOW, next_attempt_at=NOW,
                    score_given=1.0, score_maximum=1.0)


def test_a_statement_yields_one_job_per_link_and_user(storage):
    job = link_with_job(storage)
    assert storage.lti_grades.enqueue_jobs([job]) == 1
    assert storage.lti_grades.enqueue_jobs([job]) == 0
    assert len(storage.lti_grades.list_jobs()) == 1


def test_a_claimed_job_is_not_claimed_again_until_its_lease_ends(storage):
    grades = storage.lti_grades
    grades.enqueue_jobs([link_with_job(storage)])
    [claimed] = grades.claim_due_jobs(NOW, NOW + timedelta(minutes=5), 10)
    assert claimed.attempts == 1
    assert grades.claim_due_jobs(NOW + timedelta(minutes=1), NOW + timedelta(minutes=6), 10) \
        == []
    [again] = grades.claim_due_jobs(NOW + timedelta(minutes=6), NOW + timedelta(minutes=11), 10)
    assert again.attempts == 2
    grades.complete_job(again.id, NOW)
    assert grades.claim_due_jobs(NOW + timedelta(hours=1), NOW + timedelta(hours=2), 10) == []


def test_retry_waits_and_giving_up_fails_the_job(storage):
    grades = storage.lti_grades
    grades.enqueue_jobs([link_with_job(storage)])
    [job] = grades.claim_due_jobs(NOW, NOW + timedelta(minutes=5), 10)
    grades.retry_job(job.id, "503", NOW + timedelta(minutes=2))
    assert grades.claim_due_jobs(NOW + timedelta(minutes=1), NOW + timedelta(minutes=9), 10) \
        == []
    [job] = grades.claim_due_jobs(NOW + timedelta(minutes=2), NOW + timedelta(minutes=9), 10)
    grades.retry_job(job.id, "400", None)
    assert [j.status for j in grades.list_jobs()] == ["failed"]


def test_key_promotion_retires_the_active_key(storage):
    from lti.keys import new_key

    keys = storage.lti_keys
    first = keys.activate_first_key(new_key("active"))
    assert keys.activate_first_key(new_key("active")).kid == first.kid  # one active key
    nxt = new_key("next")
    keys.insert_key(nxt)
    assert keys.promote_key(nxt.kid, NOW)
    assert {k.kid: k.status for k in keys.list_keys()} == {first.kid: "retired",
                                                          nxt.kid: "active"}
    assert not keys.promote_key(nxt.kid, NOW)
