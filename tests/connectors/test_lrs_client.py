"""The client to partner LRSs (connectors/lrs_client.py) against real HTTP servers on
loopback: a second hub, and a scripted partner that fails in every way it can."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.lrs_client import (
    Attachment,
    AuthFailed,
    BasicAuth,
    InvalidAnswer,
    LrsError,
    OAuth2ClientCredentials,
    Refused,
    RemoteLrs,
    Retry,
    backoff,
    multipart_body,
    parse_multipart,
    retry_after_seconds,
    retry_delay,
)
from tests.connectors.partners import FlakyPartner, SecondHub, http_date
from tests.factories import make_statement
from tests.live_server import free_port
from tests.xapi_attachments import attachment_meta


def statement(**overrides) -> dict:
    return make_statement(id=str(uuid.uuid4()), **overrides)


def hub_client(hub: SecondHub, version: str = "1.0.3", **options) -> RemoteLrs:
    return RemoteLrs(hub.endpoint, version, BasicAuth(hub.key, hub.secret), **options)


def partner_client(partner: FlakyPartner, **options) -> RemoteLrs:
    options.setdefault("read_timeout", 5.0)
    return RemoteLrs(partner.endpoint, "1.0.3", BasicAuth("kunci", "rahasia"), **options)


def oauth_client(partner: FlakyPartner, *, secret: str | None = None, **options) -> RemoteLrs:
    auth = OAuth2ClientCredentials(partner.token_url, partner.client_id,
                                   secret or partner.client_secret,
                                   scope=options.pop("scope", None),
                                   client_auth=options.pop("client_auth", "basic"))
    return RemoteLrs(partner.endpoint, "1.0.3", auth, read_timeout=5.0, **options)


# --- a second hub: forwarding and pulling for real -----------------------------------
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_posted_statements_are_stored_at_the_second_hub_under_their_ids(second_hub, version):
    batch = [statement() for _ in range(3)]
    with hub_client(second_hub, version) as lrs:
        ids = lrs.post_statements(batch)
    assert ids == [s["id"] for s in batch]
    assert second_hub.statement_ids() == ids
    assert second_hub.statement(ids[0])["verb"] == batch[0]["verb"]


def test_a_repeated_batch_is_absorbed_by_the_destination(second_hub):
    batch = [statement(), statement()]
    with hub_client(second_hub) as lrs:
        lrs.post_statements(batch)
        assert lrs.post_statements(batch) == [s["id"] for s in batch]
    assert second_hub.statement_ids() == [s["id"] for s in batch]


def test_an_attachment_travels_as_multipart_and_comes_back_with_attachments_true(second_hub):
    pdf = b"%PDF-1.7 sertifikat\r\n--not-a-boundary\x00\xff\r\n"
    sha2 = hashlib.sha256(pdf).hexdigest()
    sent = statement(attachments=[attachment_meta(pdf)])
    with hub_client(second_hub) as lrs:
        [statement_id] = lrs.post_statements([sent], [Attachment(sha2, "application/pdf", pdf)])
        assert second_hub.attachment(sha2) == pdf
        page = lrs.get_statements(attachments=True)
        plain = lrs.get_statements(attachments=False)
    assert [s["id"] for s in page.statements] == [statement_id]
    assert page.attachments == {sha2: Attachment(sha2, "application/pdf", pdf)}
    assert plain.attachments == {} and plain.statements == page.statements


def test_more_is_followed_to_the_end_of_the_second_hubs_statements(second_hub):
    ids = second_hub.seed([statement() for _ in range(7)])
    seen, pages = [], 0
    with hub_client(second_hub) as lrs:
        page = lrs.get_statements(limit=3)
        while True:
            pages += 1
            seen += [s["id"] for s in page.statements]
            assert page.consistent_through
            if page.more is None:
                break
            assert page.more.startswith(second_hub.endpoint + "/statements?")
            page = lrs.get_more(page.more)
    assert seen == ids  # ascending: stored order
    assert pages == 3


def test_since_asks_only_for_what_was_stored_after_it(second_hub):
    first = second_hub.seed([statement()])
    stored = second_hub.statement(first[0])["stored"]
    time.sleep(0.01)
    later = second_hub.seed([statement(), statement()])
    with hub_client(second_hub) as lrs:
        page = lrs.get_statements(since=stored)
    assert [s["id"] for s in page.statements] == later


def test_the_same_id_with_other_content_is_refused_for_good(second_hub):
    original = statement()
    second_hub.seed([original])
    changed = dict(original, verb={"id": "http://adlnet.gov/expapi/verbs/passed"})
    with hub_client(second_hub) as lrs, pytest.raises(Refused) as refused:
        lrs.post_statements([changed])
    assert refused.value.status == 409
    assert original["id"] in refused.value.body_excerpt


def test_an_invalid_statement_is_refused_with_the_destinations_answer(second_hub):
    with hub_client(second_hub) as lrs, pytest.raises(Refused) as refused:
        lrs.post_statements([statement(verb=None)])
    assert refused.value.status == 400
    assert "verb" in refused.value.body_excerpt
    assert second_hub.statement_ids() == []


def test_a_credential_without_the_write_scope_is_refused_with_403(second_hub):
    key, secret = second_hub.issue_credential("statements/read")
    with RemoteLrs(second_hub.endpoint, "1.0.3", BasicAuth(key, secret)) as lrs, \
            pytest.raises(Refused) as refused:
        lrs.post_statements([statement()])
    assert refused.value.status == 403


def test_a_wrong_basic_secret_is_auth_failed(second_hub):
    with RemoteLrs(second_hub.endpoint, "1.0.3", BasicAuth(second_hub.key, "salah")) as lrs, \
            pytest.raises(AuthFailed) as failed:
        lrs.get_statements()
    assert failed.value.status == 401


def test_about_names_the_versions_the_second_hub_speaks(second_hub):
    with hub_client(second_hub) as lrs:
        assert "1.0.3" in lrs.about()["version"]


# --- what goes over the wire ---------------------------------------------------------
def test_a_batch_is_a_json_array_with_the_xapi_version_header(flaky_partner):
    batch = [statement(), statement()]
    with RemoteLrs(flaky_partner.endpoint, "2.0.0", BasicAuth("kunci", "rähasia")) as lrs:
        assert lrs.post_statements(batch) == [s["id"] for s in batch]
    [request] = flaky_partner.xapi_requests
    assert (request.method, request.path) == ("POST", "/xapi/statements")
    assert request.headers["X-Experience-API-Version"] == "2.0.0"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(
        "kunci:rähasia".encode()).decode()
    assert request.json() == batch


def test_attachments_go_as_multipart_mixed_parts_with_their_hash(flaky_partner):
    pdf, png = b"%PDF sertifikat", b"\x89PNG foto"
    metas = [attachment_meta(pdf), attachment_meta(png, content_type="image/png")]
    batch = [statement(attachments=metas), statement(attachments=metas[:1])]
    parts = [Attachment(m["sha2"], m["contentType"], c) for m, c in zip(metas, (pdf, png),
                                                                        strict=True)]
    with partner_client(flaky_partner) as lrs:
        lrs.post_statements(batch, [*parts, parts[0]])  # a repeated hash: one part
    [request] = flaky_partner.xapi_requests
    assert request.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    statements, received = parse_multipart(request.headers["Content-Type"], request.body)
    assert statements == batch
    assert received == {p.sha2: p for p in parts}
    assert request.body.count(b"Content-Transfer-Encoding: binary\r\n") == 2
    assert request.body.count(b"X-Experience-API-Hash: ") == 2


def test_get_statements_sends_the_query_as_xapi_names_it(flaky_partner):
    with partner_client(flaky_partner) as lrs:
        page = lrs.get_statements("2026-03-01T00:00:00Z", ascending=True, limit=50,
                                  attachments=True,
                                  filters={"verb": "http://adlnet.gov/expapi/verbs/completed"})
    assert page.statements == [] and page.more is None
    [request] = flaky_partner.xapi_requests
    assert request.query == {"since": "2026-03-01T00:00:00Z", "ascending": "true",
                             "limit": "50", "attachments": "true", "format": "exact",
                             "verb": "http://adlnet.gov/expapi/verbs/completed"}


def test_more_is_resolved_against_the_endpoints_origin(flaky_partner):
    lrs = partner_client(flaky_partner)
    origin = flaky_partner.url
    assert lrs.resolve_more("/xapi/statements?more=abc") == origin + "/xapi/statements?more=abc"
    assert lrs.resolve_more("/lrs/more/17") == origin + "/lrs/more/17"
    assert lrs.resolve_more(origin + "/xapi/statements?page=2") == (
        origin + "/xapi/statements?page=2")
    with pytest.raises(InvalidAnswer, match="another origin"):
        lrs.resolve_more("http://elsewhere.example/xapi/statements?more=abc")
    with pytest.raises(InvalidAnswer, match="another origin"):
        lrs.resolve_more("//elsewhere.example/xapi/statements")


def test_a_page_from_a_partner_is_followed_through_more(flaky_partner):
    first, second = statement(), statement()
    flaky_partner.answer_next(200, {"statements": [first], "more": "/xapi/statements?p=2"})
    flaky_partner.answer_next(200, {"statements": [second], "more": ""})
    with partner_client(flaky_partner) as lrs:
        page = lrs.get_statements()
        assert page.more == flaky_partner.endpoint + "/statements?p=2"
        last = lrs.get_more(page.more)
    assert (page.statements, last.statements, last.more) == ([first], [second], None)
    assert flaky_partner.xapi_requests[1].target == "/xapi/statements?p=2"


def test_a_page_attachment_whose_hash_does_not_match_is_left_out_and_named_spoiled(
        flaky_partner):
    good = b"%PDF-1.4 sertifikat"
    parts = [Attachment("0" * 64, "application/pdf", b"not what the hash says"),
             Attachment(hashlib.sha256(good).hexdigest(), "application/pdf", good)]
    body, content_type = multipart_body(
        json.dumps({"statements": [], "more": ""}).encode(), parts)
    flaky_partner.answer_next(200, body, {"Content-Type": content_type})
    with partner_client(flaky_partner) as lrs:
        page = lrs.get_statements(attachments=True)
    assert page.attachments == {parts[1].sha2: parts[1]}
    assert list(page.spoiled) == ["0" * 64] and "part 2" in page.spoiled["0" * 64]
    with pytest.raises(InvalidAnswer, match="part 2"):  # without `spoiled`: strict
        parse_multipart(content_type, body)


# Learning Locker's xapi-statements 5.0.1 writes multipart/mixed so
# (expressPresenter/utils/getStatements/sendMultipartResult.js): every part opens with
# CRLF "--" boundary CRLF and every attachment ends with a CRLF of its own, and the close
# delimiter follows with no CRLF before it.
LL_BOUNDARY = "zzzlearninglockerzzz"


def learning_locker_multipart(result: dict, attachments: list[Attachment]) -> bytes:
    opening = f"\r\n--{LL_BOUNDARY}\r\n".encode()
    result_json = json.dumps(result).encode()
    chunks = [opening, b"Content-Type:application/json; charset=UTF-8\r\n",
              f"Content-Length:{len(result_json)}\r\n\r\n".encode(), result_json]
    for part in attachments:
        chunks += [opening, f"Content-Type:{part.content_type}\r\n".encode(),
                   b"Content-Transfer-Encoding:binary\r\n",
                   f"X-Experience-API-Hash:{part.sha2}\r\n\r\n".encode(), part.content,
                   b"\r\n"]
    return b"".join([*chunks, f"--{LL_BOUNDARY}--".encode()])


@pytest.mark.parametrize("count", [0, 1, 3])
def test_learning_lockers_multipart_answers_are_read_with_every_attachment(flaky_partner,
                                                                           count):
    contents = [b"sertifikat satu\r\n", b"%PDF-1.7\n\xe2\xe3\xcf\xd3", b"tiga"][:count]
    parts = [Attachment(hashlib.sha256(c).hexdigest(), "application/pdf", c) for c in contents]
    result = {"statements": [statement()], "more": ""}
    flaky_partner.answer_next(200, learning_locker_multipart(result, parts), {
        "Content-Type": f"multipart/mixed; charset=UTF-8; boundary={LL_BOUNDARY}"})
    with partner_client(flaky_partner) as lrs:
        page = lrs.get_statements(attachments=True)
    assert (page.statements, page.spoiled) == (result["statements"], {})
    assert page.attachments == {part.sha2: part for part in parts}


def test_a_204_to_post_statements_is_a_delivery(flaky_partner):
    """Ralph answers 204 when it held every statement of the POST already."""
    flaky_partner.answer_next(204)
    with partner_client(flaky_partner) as lrs:
        assert lrs.post_statements([statement()]) == []


@pytest.mark.parametrize("body", [b"<html>Bad gateway page</html>", {"ids": ["x"]}, ["x", 1]])
def test_a_2xx_that_is_not_an_array_of_ids_is_an_invalid_answer(flaky_partner, body):
    flaky_partner.answer_next(200, body)
    with partner_client(flaky_partner) as lrs, pytest.raises(InvalidAnswer) as error:
        lrs.post_statements([statement()])
    assert isinstance(error.value, Retry) and error.value.status == 200


@given(st.binary(max_size=300), st.sampled_from(["application/pdf", "image/png"]))
@settings(max_examples=200, deadline=None)
def test_any_bytes_survive_the_multipart_round_trip(content, content_type):
    part = Attachment(hashlib.sha256(content).hexdigest(), content_type, content)
    body, header = multipart_body(b'{"statements": [], "more": ""}', [part])
    assert parse_multipart(header, body) == ({"statements": [], "more": ""}, {part.sha2: part})


# --- failures the caller can act on --------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
def test_busy_or_broken_answers_are_retries(flaky_partner, status):
    flaky_partner.answer_next(status, "sibuk")
    with partner_client(flaky_partner) as lrs, pytest.raises(Retry) as retry:
        lrs.post_statements([statement()])
    assert (retry.value.status, retry.value.after_seconds) == (status, None)
    assert "sibuk" in retry.value.reason


def test_429_with_retry_after_seconds_says_how_long_to_wait(flaky_partner):
    flaky_partner.answer_next(429, headers={"Retry-After": "2"})
    with partner_client(flaky_partner) as lrs, pytest.raises(Retry) as retry:
        lrs.post_statements([statement()])
    assert retry.value.after_seconds == 2.0
    assert retry_delay(retry.value, attempt=5) == 2.0


def test_503_with_retry_after_as_an_http_date_says_how_long_to_wait(flaky_partner):
    flaky_partner.answer_next(503, headers={"Retry-After": http_date(30)})
    with partner_client(flaky_partner) as lrs, pytest.raises(Retry) as retry:
        lrs.get_statements()
    assert 28 <= retry.value.after_seconds <= 30


@pytest.mark.parametrize("status", [400, 403, 404, 409, 413, 422])
def test_refusals_for_good_carry_the_status_and_the_answer(flaky_partner, status):
    flaky_partner.answer_next(status, {"error": {"message": "ditolak " * 200}})
    with partner_client(flaky_partner) as lrs, pytest.raises(Refused) as refused:
        lrs.post_statements([statement()])
    assert refused.value.status == status
    assert refused.value.body_excerpt.startswith('{"error": {"message": "ditolak ditolak')
    assert len(refused.value.body_excerpt) <= 500


def test_413_with_retry_after_is_a_temporary_condition(flaky_partner):
    flaky_partner.answer_next(413, headers={"Retry-After": "60"})
    with partner_client(flaky_partner) as lrs, pytest.raises(Retry) as retry:
        lrs.post_statements([statement()])
    assert (retry.value.status, retry.value.after_seconds) == (413, 60.0)


def test_a_redirect_is_refused_not_followed(flaky_partner):
    flaky_partner.answer_next(302, headers={"Location": "https://elsewhere.example/xapi"})
    with partner_client(flaky_partner) as lrs, pytest.raises(Refused) as refused:
        lrs.post_statements([statement()])
    assert refused.value.status == 302
    assert "elsewhere.example" in refused.value.body_excerpt
    assert len(flaky_partner.requests) == 1


def test_a_partner_that_does_not_answer_in_time_is_a_retry(flaky_partner):
    flaky_partner.hang_next(5)
    started = time.monotonic()
    with partner_client(flaky_partner, read_timeout=0.3) as lrs, pytest.raises(Retry) as retry:
        lrs.post_statements([statement()])
    assert time.monotonic() - started < 2
    assert "timed out" in retry.value.reason and retry.value.status is None


def test_a_connection_refused_is_a_retry():
    endpoint = f"http://127.0.0.1:{free_port()}/xapi"  # nobody listens there
    with RemoteLrs(endpoint, "1.0.3", BasicAuth("k", "s"), connect_timeout=1) as lrs, \
            pytest.raises(Retry) as retry:
        lrs.post_statements([statement()])
    assert "connection failed" in retry.value.reason


@pytest.mark.parametrize("midway", [False, True])
def test_a_dropped_connection_is_a_retry(flaky_partner, midway):
    with partner_client(flaky_partner) as lrs:
        lrs.post_statements([statement()])  # a kept-alive connection, dropped next
        flaky_partner.drop_next(midway=midway)
        with pytest.raises(Retry) as retry:
            lrs.post_statements([statement()])
        assert retry.value.status is None
        assert lrs.post_statements([statement()])  # and the next batch goes through
    assert len(flaky_partner.xapi_requests) == 3


def test_no_requests_exception_ever_reaches_the_caller(flaky_partner):
    flaky_partner.drop_next()
    flaky_partner.hang_next(5)
    with partner_client(flaky_partner, read_timeout=0.2) as lrs:
        for _ in range(2):
            with pytest.raises(LrsError) as error:
                lrs.get_statements()
            assert not isinstance(error.value, requests.RequestException)
            assert isinstance(error.value.__cause__, requests.RequestException)


def test_a_malformed_endpoint_or_version_is_refused_at_once():
    with pytest.raises(ValueError, match="version"):
        RemoteLrs("https://lrs.example/xapi", "1.0.1", BasicAuth("k", "s"))
    for endpoint in ("ftp://lrs.example/xapi", "lrs.example/xapi",
                     "https://user:pw@lrs.example/xapi", "https://lrs.example/xapi?x=1",
                     "https://lrs.example:99999/xapi"):
        with pytest.raises(ValueError, match="endpoint"):
            RemoteLrs(endpoint, "1.0.3", BasicAuth("k", "s"))


def test_secrets_stay_out_of_reprs():
    assert "rahasia" not in repr(BasicAuth("kunci", "rahasia"))
    assert "rahasia" not in repr(OAuth2ClientCredentials("https://a.example/t", "id", "rahasia"))


# --- OAuth 2 client credentials ----------------------------------------------------
def test_one_token_serves_many_requests_until_shortly_before_it_expires(flaky_partner):
    now = [1000.0]
    flaky_partner.token_expires_in = 600
    with oauth_client(flaky_partner, clock=lambda: now[0], scope="statements/write") as lrs:
        for _ in range(3):
            lrs.post_statements([statement()])
        assert len(flaky_partner.token_requests) == 1
        now[0] += 539  # more than a minute before expiry: still this token
        lrs.post_statements([statement()])
        assert len(flaky_partner.token_requests) == 1
        now[0] += 2  # within the last minute: a new token before it is refused
        lrs.post_statements([statement()])
    assert len(flaky_partner.token_requests) == 2
    tokens = [r.headers["Authorization"] for r in flaky_partner.xapi_requests]
    assert len(set(tokens[:4])) == 1 and tokens[4] != tokens[0]
    assert all(t.startswith("Bearer token-") for t in tokens)
    grant = flaky_partner.token_requests[0]
    assert grant.form() == {"grant_type": "client_credentials", "scope": "statements/write"}
    assert grant.headers["Authorization"].startswith("Basic ")


def test_client_secret_post_sends_the_client_in_the_form(flaky_partner):
    with oauth_client(flaky_partner, client_auth="post") as lrs:
        lrs.get_statements()
    grant = flaky_partner.token_requests[0]
    assert grant.form() == {"grant_type": "client_credentials",
                            "client_id": flaky_partner.client_id,
                            "client_secret": flaky_partner.client_secret}
    assert "Authorization" not in grant.headers


def test_a_token_without_expires_in_is_kept_until_refused(flaky_partner):
    flaky_partner.token_expires_in = None
    now = [0.0]
    with oauth_client(flaky_partner, clock=lambda: now[0]) as lrs:
        lrs.get_statements()
        now[0] += 10 * 86400
        lrs.get_statements()
        assert len(flaky_partner.token_requests) == 1
        flaky_partner.revoke_tokens()
        lrs.get_statements()
    assert len(flaky_partner.token_requests) == 2


def test_a_401_fetches_one_fresh_token_and_sends_again(flaky_partner):
    with oauth_client(flaky_partner) as lrs:
        lrs.get_statements()
        flaky_partner.answer_next(401, {"error": "invalid_token"})
        batch = [statement()]
        assert lrs.post_statements(batch) == [batch[0]["id"]]
    assert len(flaky_partner.token_requests) == 2
    first, refused, again = flaky_partner.xapi_requests
    assert refused.headers["Authorization"] == first.headers["Authorization"]
    assert again.headers["Authorization"] != refused.headers["Authorization"]
    assert again.body == refused.body


def test_a_401_with_a_fresh_token_is_auth_failed(flaky_partner):
    flaky_partner.answer_next(401)
    flaky_partner.answer_next(401)
    with oauth_client(flaky_partner) as lrs, pytest.raises(AuthFailed, match="fresh token"):
        lrs.post_statements([statement()])
    assert len(flaky_partner.token_requests) == 2
    assert len(flaky_partner.xapi_requests) == 2


def test_a_client_the_token_endpoint_refuses_is_auth_failed(flaky_partner):
    with oauth_client(flaky_partner, secret="salah") as lrs, pytest.raises(AuthFailed) as failed:
        lrs.post_statements([statement()])
    assert failed.value.status == 401 and "invalid_client" in failed.value.body_excerpt
    assert flaky_partner.xapi_requests == []


def test_a_busy_token_endpoint_is_a_retry(flaky_partner):
    flaky_partner.answer_token_next(503, headers={"Retry-After": "7"})
    with oauth_client(flaky_partner) as lrs:
        with pytest.raises(Retry) as retry:
            lrs.get_statements()
        assert retry.value.after_seconds == 7.0
        lrs.get_statements()  # the next attempt gets its token
    assert len(flaky_partner.token_requests) == 2


def test_a_token_answer_without_a_token_is_an_invalid_answer(flaky_partner):
    flaky_partner.answer_token_next(200, {"token_type": "Bearer"})
    with oauth_client(flaky_partner) as lrs, pytest.raises(InvalidAnswer, match="access_token"):
        lrs.get_statements()


# --- waiting between attempts --------------------------------------------------------
def test_backoff_is_full_jitter_under_an_exponential_ceiling():
    rng = random.Random(15)
    for attempt, ceiling in [(0, 1), (1, 2), (3, 8), (8, 60), (5000, 60)]:
        waits = [backoff(attempt, base=1, cap=60, rng=rng) for _ in range(2000)]
        assert 0 <= min(waits) < ceiling * 0.05  # down to nearly nothing...
        assert ceiling * 0.95 < max(waits) <= ceiling  # ...up to the ceiling
        assert abs(sum(waits) / len(waits) - ceiling / 2) < ceiling * 0.05  # uniform
    with pytest.raises(ValueError):
        backoff(-1)


def test_retry_delay_prefers_the_partners_retry_after():
    assert retry_delay(Retry(12.0, "busy"), attempt=0) == 12.0
    assert 0 <= retry_delay(Retry(None, "busy"), attempt=2, base=0.5, cap=10) <= 2.0


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds(" 0 ", now) == 0.0
    assert retry_after_seconds("Fri, 04 Dec 2026 12:01:30 GMT", now) == 90.0
    assert retry_after_seconds("Friday, 04-Dec-26 12:01:30 GMT", now) == 90.0  # RFC 850
    assert retry_after_seconds("Fri Dec  4 12:01:30 2026", now) == 90.0  # asctime
    assert retry_after_seconds("Fri, 04 Dec 2026 11:00:00 GMT", now) == 0.0  # past
    for unreadable in (None, "", "-5", "1.5", "soon", "٣"):
        assert retry_after_seconds(unreadable, now) is None
    assert retry_after_seconds(http_date(60)) == pytest.approx(60, abs=1.5)
    assert timedelta(seconds=retry_after_seconds("3600", now)) == timedelta(hours=1)


# --- the partners themselves ---------------------------------------------------------
def test_a_second_hub_has_settings_of_its_own(app, make_second_hub, monkeypatch):
    monkeypatch.setenv("HUB_TRANSCRIPT_ISSUER_NAME", "Hub yang diuji")
    other = make_second_hub(statement_page_size=2)
    mine, theirs = app.extensions["hub.settings"], other.app.extensions["hub.settings"]
    assert (mine.lrs.statement_page_size, theirs.lrs.statement_page_size) == (100, 2)
    assert theirs.transcripts.issuer_name == "Berpijar Learning Hub"  # no HUB_ of ours
    assert theirs.database_url != mine.database_url
    assert theirs.public_url == other.url
    other.seed([statement() for _ in range(3)])
    with hub_client(other) as lrs:
        page = lrs.get_statements()
    assert len(page.statements) == 2 and page.more is not None
