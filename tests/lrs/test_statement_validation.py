"""StatementValidator, one test per rule: the pointer of the rejection and a valid variant.

Pure unit tests: no app, no storage.  Versions differ where the spec does (timestamps,
version property, context agents and groups); everything else runs under both.
"""

from __future__ import annotations

import copy
import json
import math
from importlib import resources

import pytest
from factories import JP_EXTENSION, make_activity, make_agent, make_statement, make_verb
from jsonschema import Draft202012Validator

from hub.errors import BadRequest
from lrs import validation
from lrs.validation import StatementValidator

VERSIONS = ["1.0.3", "2.0.0"]
UUID = "8f87ccde-bb56-4c2e-ab83-44982ef22df0"
SHA2 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"


@pytest.fixture(scope="module")
def validator() -> StatementValidator:
    return StatementValidator()


@pytest.fixture(params=VERSIONS)
def version(request) -> str:
    return request.param


def rejection(validator, statement, version) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        validator.validate_statement(statement, version)
    return caught.value


def pointer_of(validator, statement, version) -> str:
    return rejection(validator, statement, version).pointer


def with_actor(**actor):
    return make_statement(actor=actor)


def with_object(target):
    statement = make_statement(object=target)
    del statement["context"]["platform"]  # platform only goes with an Activity object
    return statement


def with_definition(**definition):
    return make_statement(object={"id": "https://berpijar.id/xapi/activities/q1",
                                  "definition": definition})


def with_result(**result):
    return make_statement(result=result)


def with_context(**context):
    return make_statement(context=context)


def substatement(**overrides):
    body = {"objectType": "SubStatement", "actor": make_agent(), "verb": make_verb(),
            "object": make_activity()}
    body.update(overrides)
    return body


def attachment(**overrides):
    body = {"usageType": "https://berpijar.id/xapi/attachments/certificate",
            "display": {"id-ID": "Sertifikat", "en-US": "Certificate"},
            "contentType": "application/pdf", "length": 1024, "sha2": SHA2}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


# --- the statement as a whole -------------------------------------------------------------


def test_factory_statement_is_valid(validator, version):
    validator.validate_statement(make_statement(), version)


def test_minimal_statement_is_valid(validator, version):
    statement = {"actor": {"mbox": "mailto:pegawai@bkn.go.id"},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                 "object": {"id": "https://berpijar.id/xapi/activities/video-1"}}
    validator.validate_statement(statement, version)


@pytest.mark.parametrize("statement", [[], "statement", None, 42, True])
def test_statement_that_is_not_an_object_is_rejected(validator, version, statement):
    error = rejection(validator, statement, version)
    assert error.pointer == ""
    assert error.message == "statement must be an object"


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_statement_without_actor_verb_or_object_is_rejected(validator, version, missing):
    assert pointer_of(validator, make_statement(**{missing: None}), version) == f"/{missing}"


def test_statement_property_not_in_the_spec_is_rejected(validator, version):
    assert pointer_of(validator, make_statement(score=100), version) == "/score"


def test_property_in_the_wrong_case_is_rejected(validator, version):
    statement = make_statement()
    statement["Actor"] = statement.pop("actor")
    assert pointer_of(validator, statement, version) == "/actor"


def test_null_value_is_rejected(validator, version):
    statement = make_statement(verb={"id": make_verb()["id"], "display": {"en-US": None}})
    assert pointer_of(validator, statement, version) == "/verb/display/en-US"


def test_null_inside_extensions_is_accepted(validator, version):
    validator.validate_statement(with_context(extensions={JP_EXTENSION: None}), version)


def test_string_where_a_number_is_required_is_rejected(validator, version):
    statement = with_result(score={"raw": 85, "max": "100"})
    assert pointer_of(validator, statement, version) == "/result/score/max"


def test_string_where_a_boolean_is_required_is_rejected(validator, version):
    assert pointer_of(validator, with_result(completion="false"), version) == "/result/completion"


def test_rejection_names_the_rule_of_its_version(validator, version):
    error = rejection(validator, with_actor(mbox="pegawai@bkn.go.id"), version)
    assert error.rule.startswith(f"xAPI {version} ")
    assert error.pointer == "/actor/mbox"
    assert "mailto" in error.message


def test_statement_id_must_be_a_uuid(validator, version):
    assert pointer_of(validator, make_statement(id="statement-1"), version) == "/id"


@pytest.mark.parametrize("value", ["AA97B177-9383-4934-8543-0F91A7A028368",
                                   "MA97B177-9383-4934-8543-0F91A7A02836",
                                   "{8f87ccde-bb56-4c2e-ab83-44982ef22df0}",
                                   "8f87ccdebb564c2eab8344982ef22df0",
                                   UUID + "\n", 12345])
def test_malformed_uuid_is_rejected(validator, version, value):
    assert pointer_of(validator, make_statement(id=value), version) == "/id"


@pytest.mark.parametrize("value", ["AA97B177-9383-4934-8543-0F91A7A02836",
                                   "12345678-1234-5678-1234-567812345678"])
def test_uuid_in_standard_form_is_accepted_in_any_case_and_variant(validator, version, value):
    validator.validate_statement(make_statement(id=value), version)


def test_statement_using_every_property_is_accepted(validator, version):
    statement = make_statement(
        stored="2024-05-01T01:30:00.000Z",
        authority={"objectType": "Agent",
                   "account": {"homePage": "https://hub.berpijar.id", "name": "mitra-bkpsdm"}},
        version="1.0.0" if version == "1.0.3" else "2.0.0",
        attachments=[attachment(fileUrl="https://berpijar.id/files/sertifikat.pdf",
                                description={"id-ID": "Sertifikat kelulusan"})],
    )
    statement["result"].update(response="Selesai", extensions={JP_EXTENSION: 2})
    statement["context"].update(
        instructor=make_agent("196501011990031001", "Budi Santoso"),
        team={"objectType": "Group", "name": "Angkatan 1", "mbox": "mailto:angkatan1@bkn.go.id",
              "member": [make_agent()]},
        revision="2024.1",
        statement={"objectType": "StatementRef", "id": UUID},
    )
    statement["context"]["contextActivities"].update(
        grouping=[{"id": "https://berpijar.id/xapi/programs/latsar"}],
        other={"id": "https://berpijar.id/xapi/activities/modul-1"})
    statement["object"]["definition"].update(
        description={"id-ID": "Pelatihan dasar bagi CPNS"},
        moreInfo="https://berpijar.id/kursus/pelatihan-dasar-cpns",
        extensions={JP_EXTENSION: 40})
    validator.validate_statement(statement, version)


@pytest.mark.parametrize(("statement", "section"), [
    (make_statement(verb={"display": {}}), {"1.0.3": "Data 2.4.3", "2.0.0": "LRS 4.2.2.2"}),
    (with_result(score={"scaled": 2}), {"1.0.3": "Data 2.4.5.1", "2.0.0": "LRS 4.2.2.4"}),
    (make_statement(timestamp="yesterday"), {"1.0.3": "Data 4.5", "2.0.0": "LRS 4.2.7"}),
    (with_context(registration=1), {"1.0.3": "Data 4.4", "2.0.0": "LRS 4.2.7 UUIDs"}),
])
def test_schema_rejection_names_the_section_it_breaks(validator, version, statement, section):
    assert rejection(validator, statement, version).rule.startswith(
        f"xAPI {version} {section[version]}")


# --- actors: Agents and Groups ------------------------------------------------------------


def test_agent_with_two_identifiers_is_rejected(validator, version):
    statement = with_actor(mbox="mailto:pegawai@bkn.go.id",
                           account={"homePage": "https://siasn.bkn.go.id", "name": "1"})
    error = rejection(validator, statement, version)
    assert error.pointer == "/actor/account"
    assert "exactly one" in error.message


def test_agent_without_identifier_is_rejected(validator, version):
    assert pointer_of(validator, with_actor(name="Siti"), version) == "/actor"


@pytest.mark.parametrize("ifi", [{"mbox": "mailto:Pegawai.Satu@bkn.go.id"},
                                 {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
                                 {"openid": "http://pegawai.openid.example.org/"},
                                 {"account": {"homePage": "https://siasn.bkn.go.id",
                                              "name": "199003152015031002"}}])
def test_agent_with_each_kind_of_identifier_is_accepted(validator, version, ifi):
    validator.validate_statement(with_actor(objectType="Agent", **ifi), version)


@pytest.mark.parametrize("mbox", ["pegawai@bkn.go.id", "mailto:", "mailto:pegawai",
                                  "mailto:@bkn.go.id", "mailto:pegawai@", "mailto:a b@bkn.go.id",
                                  "mailto:pegawai@bkn.go.id?subject=x", "MAILTO:a@bkn.go.id"])
def test_mbox_must_be_mailto_and_one_address(validator, version, mbox):
    assert pointer_of(validator, with_actor(mbox=mbox), version) == "/actor/mbox"


@pytest.mark.parametrize("value", ["ebd31e95054c018b10727ccffd2ef2ec3a016ee", "not-a-hash",
                                   "ebd31e95054c018b10727ccffd2ef2ec3a016eeg"])
def test_mbox_sha1sum_must_be_40_hex_digits(validator, version, value):
    assert pointer_of(validator, with_actor(mbox_sha1sum=value), version) == "/actor/mbox_sha1sum"


def test_openid_must_be_an_absolute_uri(validator, version):
    statement = with_actor(openid="pegawai.openid.org")
    assert pointer_of(validator, statement, version) == "/actor/openid"


@pytest.mark.parametrize("home_page", ["siasn.bkn.go.id", "/login", "urn:siasn", ""])
def test_account_home_page_must_be_an_irl(validator, version, home_page):
    statement = with_actor(account={"homePage": home_page, "name": "199003152015031002"})
    assert pointer_of(validator, statement, version) == "/actor/account/homePage"


@pytest.mark.parametrize("missing", ["homePage", "name"])
def test_account_needs_home_page_and_name(validator, version, missing):
    account = {"homePage": "https://siasn.bkn.go.id", "name": "199003152015031002"}
    del account[missing]
    statement = with_actor(account=account)
    assert pointer_of(validator, statement, version) == f"/actor/account/{missing}"


def test_account_name_must_be_a_string(validator, version):
    statement = with_actor(account={"homePage": "https://siasn.bkn.go.id", "name": 199003152})
    assert pointer_of(validator, statement, version) == "/actor/account/name"


def test_anonymous_group_needs_members(validator, version):
    statement = with_actor(objectType="Group", name="Angkatan 1")
    assert pointer_of(validator, statement, version) == "/actor/member"
    statement = with_actor(objectType="Group", member=[])
    assert pointer_of(validator, statement, version) == "/actor/member"
    validator.validate_statement(with_actor(objectType="Group", member=[make_agent()]), version)


def test_identified_group_may_omit_members(validator, version):
    statement = with_actor(objectType="Group", openid="http://angkatan-1.example.org/")
    validator.validate_statement(statement, version)


def test_identified_group_with_two_identifiers_is_rejected(validator, version):
    statement = with_actor(objectType="Group", mbox="mailto:angkatan1@bkn.go.id",
                           openid="http://angkatan-1.example.org/")
    assert pointer_of(validator, statement, version) == "/actor/openid"


def test_group_member_cannot_be_a_group(validator, version):
    member = {"objectType": "Group", "mbox": "mailto:tim@bkn.go.id"}
    statement = with_actor(objectType="Group", member=[member])
    error = rejection(validator, statement, version)
    assert error.pointer == "/actor/member/0/objectType"
    assert "cannot be a member of a Group" in error.message


def test_group_member_needs_exactly_one_identifier(validator, version):
    statement = with_actor(objectType="Group", member=[make_agent(), {"name": "Tanpa IFI"}])
    assert pointer_of(validator, statement, version) == "/actor/member/1"


def test_group_without_object_type_is_read_as_an_agent(validator, version):
    statement = with_actor(mbox="mailto:tim@bkn.go.id", member=[make_agent()])
    assert pointer_of(validator, statement, version) == "/actor/member"


def test_actor_object_type_is_case_sensitive(validator, version):
    statement = with_actor(objectType="agent", mbox="mailto:pegawai@bkn.go.id")
    assert pointer_of(validator, statement, version) == "/actor/objectType"


# --- verb ----------------------------------------------------------------------------------


def test_verb_id_must_be_an_iri(validator, version):
    statement = make_statement(verb={"id": "completed", "display": {"en-US": "completed"}})
    assert pointer_of(validator, statement, version) == "/verb/id"


def test_verb_needs_an_id(validator, version):
    statement = make_statement(verb={"display": {"en-US": "completed"}})
    assert pointer_of(validator, statement, version) == "/verb/id"


def test_verb_id_may_be_an_internationalized_iri(validator, version):
    statement = make_statement(verb={"id": "http://example.com/فعل/خواندن"})
    validator.validate_statement(statement, version)


# --- language maps -------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["de-419-DE", "a-DE", "bahasaindonesia", "en_US", "", "id-",
                                 "test", "abcd-ID"])
def test_language_map_key_must_be_a_language_tag(validator, version, tag):
    statement = make_statement(verb={"id": make_verb()["id"], "display": {tag: "selesai"}})
    error = rejection(validator, statement, version)
    assert error.pointer == f"/verb/display/{tag}"


@pytest.mark.parametrize("tag", ["ar-a-aaa-b-bbb-a-ccc", "de-1901-1901"])
def test_language_tag_repeating_a_singleton_or_variant_is_rejected(validator, version, tag):
    statement = make_statement(verb={"id": make_verb()["id"], "display": {tag: "x"}})
    assert pointer_of(validator, statement, version) == f"/verb/display/{tag}"


@pytest.mark.parametrize("tag", ["id", "id-ID", "jv-Latn-ID", "i-enochian", "ine", "zh-Hant",
                                 "zh-cmn-Hans-CN", "sr-Latn-RS", "sl-rozaj-biske", "de-CH-1901",
                                 "hy-Latn-IT-arevela", "az-Arab-x-AZE-derbend", "x-whatever",
                                 "en-GB-oed", "es-419", "en-a-bbb-x-a-ccc"])
def test_well_formed_language_tags_are_accepted(validator, version, tag):
    statement = make_statement(verb={"id": make_verb()["id"], "display": {tag: "selesai"}})
    validator.validate_statement(statement, version)


def test_language_map_value_must_be_a_string(validator, version):
    statement = make_statement(verb={"id": make_verb()["id"], "display": {"id-ID": ["selesai"]}})
    assert pointer_of(validator, statement, version) == "/verb/display/id-ID"


def test_activity_name_language_map_is_checked(validator, version):
    statement = with_definition(name={"id-ID": "Latsar", "de-419-DE": "x"})
    assert pointer_of(validator, statement, version) == "/object/definition/name/de-419-DE"


@pytest.mark.parametrize("statement", [
    make_statement(verb={"id": "http://adlnet.gov/expapi/verbs/attended", "display": {}}),
    with_definition(name={}),
    with_definition(description={}),
    make_statement(attachments=[attachment(display={})]),
    make_statement(attachments=[attachment(description={})]),
    with_object(substatement(verb={"id": "http://adlnet.gov/expapi/verbs/attended",
                                   "display": {}})),
], ids=["verb-display", "name", "description", "attachment-display",
        "attachment-description", "substatement-verb-display"])
def test_empty_language_map_is_valid(validator, version, statement):
    """Data 4.2 puts no lower bound on a language map, and 2.2.s2.b1 ("SHOULD NOT include
    properties with a value of an empty object") binds the provider, not the LRS;
    TinCanPython sends `{}` for an empty LanguageMap."""
    validator.validate_statement(statement, version)


def test_empty_activity_definition_is_valid(validator, version):
    """Data 2.4.4.1: every definition property is optional (the current 1.0.3 suite agrees:
    'statement activity "definition" missing all properties' expects 200)."""
    validator.validate_statement(with_definition(), version)
    sub = with_object(substatement(object={"id": "https://berpijar.id/xapi/activities/q1",
                                           "definition": {}}))
    validator.validate_statement(sub, version)


def test_empty_context_activities_are_valid(validator, version):
    """Data 2.4.6.2.s4 asks only that keys be parent/grouping/category/other and values
    Activities; TinCanPython sends `{}` for an empty ContextActivities (docs/statements.md:
    the 1.0.3 suite's XAPI-00095 reads a rule the text does not have)."""
    validator.validate_statement(with_context(contextActivities={}), version)
    sub = with_object(substatement(context={"contextActivities": {}}))
    validator.validate_statement(sub, version)


def test_language_map_still_needs_language_tag_keys_and_string_values(validator, version):
    statement = with_definition(name={"id-ID": 1})
    assert pointer_of(validator, statement, version) == "/object/definition/name/id-ID"


def test_context_activities_keys_are_still_checked(validator, version):
    statement = with_context(contextActivities={"parents": [{"id": "https://berpijar.id/a"}]})
    assert pointer_of(validator, statement, version).startswith("/context/contextActivities")


def test_language_map_key_pointer_escapes_slashes(validator, version):
    statement = with_definition(description={"en/US": "x"})
    assert pointer_of(validator, statement, version) == "/object/definition/description/en~1US"


# --- object --------------------------------------------------------------------------------


def test_object_without_object_type_is_an_activity(validator, version):
    validator.validate_statement(with_object({"id": "https://berpijar.id/xapi/activities/a"}),
                                 version)


def test_object_type_is_case_sensitive(validator, version):
    statement = with_object({"objectType": "activity", "id": "https://berpijar.id/a"})
    assert pointer_of(validator, statement, version) == "/object/objectType"


@pytest.mark.parametrize("activity_id", ["pelatihan-dasar", "#section-1", "/xapi/activities/1",
                                         "http://example.com/a b", "", "ab=c://should.fail.com"])
def test_activity_id_must_be_an_absolute_iri(validator, version, activity_id):
    assert pointer_of(validator, with_object({"id": activity_id}), version) == "/object/id"


def test_activity_needs_an_id(validator, version):
    statement = with_object({"objectType": "Activity", "definition": {}})
    assert pointer_of(validator, statement, version) == "/object/id"


def test_agent_as_object_needs_its_object_type(validator, version):
    statement = with_object({"mbox": "mailto:mentor@bkn.go.id"})
    error = rejection(validator, statement, version)
    assert error.pointer == "/object/id"
    assert "an object without objectType is an Activity" in error.message
    statement = with_object({"objectType": "Agent", "mbox": "mailto:mentor@bkn.go.id"})
    validator.validate_statement(statement, version)


def test_agent_as_object_with_two_identifiers_is_rejected(validator, version):
    statement = with_object({"objectType": "Agent", "mbox": "mailto:mentor@bkn.go.id",
                             "openid": "http://mentor.example.org/"})
    assert pointer_of(validator, statement, version) == "/object/openid"


def test_group_as_object_is_checked_like_an_actor(validator, version):
    statement = with_object({"objectType": "Group", "name": "Angkatan 1"})
    assert pointer_of(validator, statement, version) == "/object/member"


def test_statement_ref_id_must_be_a_uuid(validator, version):
    statement = with_object({"objectType": "StatementRef", "id": "statement-1"})
    assert pointer_of(validator, statement, version) == "/object/id"
    validator.validate_statement(with_object({"objectType": "StatementRef", "id": UUID}),
                                 version)


def test_statement_ref_takes_no_other_property(validator, version):
    statement = with_object({"objectType": "StatementRef", "id": UUID, "definition": {}})
    assert pointer_of(validator, statement, version) == "/object/definition"


def test_activity_type_must_be_an_iri(validator, version):
    assert pointer_of(validator, with_definition(type="course"), version) == (
        "/object/definition/type")


def test_activity_more_info_must_be_an_irl(validator, version):
    statement = with_definition(moreInfo="berpijar.id/kursus/1")
    assert pointer_of(validator, statement, version) == "/object/definition/moreInfo"
    validator.validate_statement(with_definition(moreInfo="https://berpijar.id/kursus/1"), version)


def test_activity_definition_extension_key_must_be_an_iri(validator, version):
    statement = with_definition(extensions={"jp": 2})
    assert pointer_of(validator, statement, version) == "/object/definition/extensions/jp"


def test_activity_definition_extensions_must_be_an_object_keyed_by_iris(validator, version):
    statement = with_definition(extensions="jp")
    assert pointer_of(validator, statement, version) == "/object/definition/extensions"
    statement = with_definition(extensions={"id": "valid", "description": {"en-US": "valid"}})
    assert pointer_of(validator, statement, version) == "/object/definition/extensions/id"


def test_activity_definition_property_not_in_the_spec_is_rejected(validator, version):
    statement = with_definition(title={"en-US": "x"})
    assert pointer_of(validator, statement, version) == "/object/definition/title"


# --- interaction activities ---------------------------------------------------------------

CMI = "http://adlnet.gov/expapi/activities/cmi.interaction"


def components(*ids):
    return [{"id": i, "description": {"id-ID": i.title()}} for i in ids]


APPENDIX_C = {
    "true-false": {"correctResponsesPattern": ["true"]},
    "choice": {"correctResponsesPattern": ["golf[,]tetris"],
               "choices": components("golf", "tetris", "scrabble")},
    "fill-in": {"correctResponsesPattern": ["Bob's your uncle"]},
    "long-fill-in": {"correctResponsesPattern": ["{case_matters=false}{lang=id}Tujuan xAPI."]},
    "likert": {"correctResponsesPattern": ["likert_3"],
               "scale": components("likert_0", "likert_1", "likert_2", "likert_3")},
    "matching": {"correctResponsesPattern": ["ben[.]3[,]chris[.]2"],
                 "source": components("ben", "chris"), "target": components("2", "3")},
    "performance": {"correctResponsesPattern": ["pong[.]1:[,]dg[.]:10"],
                    "steps": components("pong", "dg")},
    "sequencing": {"correctResponsesPattern": ["tim[,]mike"], "choices": components("tim", "mike")},
    "numeric": {"correctResponsesPattern": ["4[:]"]},
    "other": {"correctResponsesPattern": ["(35.937432,-86.868896)"]},
}


@pytest.mark.parametrize("interaction_type", sorted(APPENDIX_C))
def test_each_interaction_type_with_its_component_lists_is_accepted(
        validator, version, interaction_type):
    statement = with_definition(type=CMI, interactionType=interaction_type,
                                **APPENDIX_C[interaction_type])
    validator.validate_statement(statement, version)


def test_interaction_type_is_case_sensitive(validator, version):
    statement = with_definition(interactionType="Choice", choices=components("a"))
    assert pointer_of(validator, statement, version) == "/object/definition/interactionType"


@pytest.mark.parametrize(("interaction_type", "component_list"), [
    ("likert", "choices"), ("choice", "scale"), ("sequencing", "steps"), ("choice", "source"),
    ("performance", "target"), ("matching", "steps"), ("true-false", "choices"),
    ("fill-in", "scale"), ("numeric", "steps"), ("other", "choices"),
])
def test_component_list_only_with_its_interaction_type(
        validator, version, interaction_type, component_list):
    statement = with_definition(interactionType=interaction_type,
                                **{component_list: components("a", "b")})
    assert pointer_of(validator, statement, version) == f"/object/definition/{component_list}"


@pytest.mark.parametrize("key", ["choices", "correctResponsesPattern"])
def test_interaction_properties_need_an_interaction_type(validator, version, key):
    value = components("a") if key == "choices" else ["a"]
    statement = with_definition(**{key: value})
    assert pointer_of(validator, statement, version) == f"/object/definition/{key}"


def test_correct_responses_pattern_is_an_array_of_strings(validator, version):
    statement = with_definition(interactionType="numeric", correctResponsesPattern=[4])
    assert pointer_of(validator, statement, version) == (
        "/object/definition/correctResponsesPattern/0")
    statement = with_definition(interactionType="numeric", correctResponsesPattern="4")
    assert pointer_of(validator, statement, version) == (
        "/object/definition/correctResponsesPattern")


def test_empty_correct_responses_pattern_is_accepted(validator, version):
    statement = with_definition(interactionType="fill-in", correctResponsesPattern=[])
    validator.validate_statement(statement, version)


def test_interaction_component_ids_must_be_distinct(validator, version):
    statement = with_definition(interactionType="choice", choices=components("a", "b", "a"))
    assert pointer_of(validator, statement, version) == "/object/definition/choices/2/id"


def test_interaction_component_needs_an_id(validator, version):
    statement = with_definition(interactionType="choice",
                                choices=[{"description": {"en-US": "A"}}])
    assert pointer_of(validator, statement, version) == "/object/definition/choices/0/id"


def test_interaction_component_description_is_a_language_map(validator, version):
    statement = with_definition(interactionType="likert",
                                scale=[{"id": "1", "description": {"xx-yyyy-zzzz-1": "a"}}])
    assert pointer_of(validator, statement, version) == (
        "/object/definition/scale/0/description/xx-yyyy-zzzz-1")


# --- SubStatement -------------------------------------------------------------------------


def test_substatement_is_accepted(validator, version):
    validator.validate_statement(with_object(substatement()), version)


@pytest.mark.parametrize(("key", "value"), [("id", UUID), ("stored", "2024-05-01T08:30:00Z"),
                                            ("version", "1.0.0"), ("authority", make_agent())])
def test_substatement_may_not_have_id_stored_version_or_authority(validator, version, key, value):
    statement = with_object(substatement(**{key: value}))
    error = rejection(validator, statement, version)
    assert error.pointer == f"/object/{key}"


def test_substatement_may_not_nest_a_substatement(validator, version):
    statement = with_object(substatement(object=substatement()))
    error = rejection(validator, statement, version)
    assert error.pointer == "/object/object/objectType"
    assert "cannot contain another SubStatement" in error.message


def test_substatement_is_validated_as_a_statement(validator, version):
    statement = with_object(substatement(actor={"mbox": "mentor@bkn.go.id"}))
    assert pointer_of(validator, statement, version) == "/object/actor/mbox"
    statement = with_object(substatement(actor={"name": "Tanpa IFI"}))
    assert pointer_of(validator, statement, version) == "/object/actor"


def test_substatement_timestamp_is_checked(validator, version):
    statement = with_object(substatement(timestamp="2024-02-30T08:00:00Z"))
    assert pointer_of(validator, statement, version) == "/object/timestamp"


def test_substatement_needs_its_object_type(validator, version):
    body = substatement()
    del body["objectType"]
    assert pointer_of(validator, with_object(body), version) == "/object/id"


# --- result --------------------------------------------------------------------------------


@pytest.mark.parametrize("scaled", [1.01, 2, -1.5])
def test_scaled_score_outside_minus_one_to_one_is_rejected(validator, version, scaled):
    statement = with_result(score={"scaled": scaled})
    assert pointer_of(validator, statement, version) == "/result/score/scaled"


@pytest.mark.parametrize("scaled", [-1, 0, 1, 0.5])
def test_scaled_score_within_range_is_accepted(validator, version, scaled):
    validator.validate_statement(with_result(score={"scaled": scaled}), version)


def test_raw_score_below_min_is_rejected(validator, version):
    statement = with_result(score={"raw": -1, "min": 0, "max": 100})
    assert pointer_of(validator, statement, version) == "/result/score/raw"


def test_raw_score_above_max_is_rejected(validator, version):
    statement = with_result(score={"raw": 101, "min": 0, "max": 100})
    assert pointer_of(validator, statement, version) == "/result/score/raw"


def test_raw_score_at_min_or_max_is_accepted(validator, version):
    validator.validate_statement(with_result(score={"raw": 0, "min": 0, "max": 100}), version)
    validator.validate_statement(with_result(score={"raw": 100, "min": 0, "max": 100}), version)


@pytest.mark.parametrize(("low", "high"), [(100, 100), (100, 0)])
def test_score_min_must_be_below_max(validator, version, low, high):
    statement = with_result(score={"min": low, "max": high})
    assert pointer_of(validator, statement, version) == "/result/score/max"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_score_is_rejected(validator, version, value):
    statement = with_result(score={"raw": value})
    assert pointer_of(validator, statement, version) == "/result/score/raw"


def test_result_property_not_in_the_spec_is_rejected(validator, version):
    assert pointer_of(validator, with_result(grade="A"), version) == "/result/grade"


@pytest.mark.parametrize("duration", ["PA1H0M0S", "should fail", "P4W1D", "P", "PT", "P1YT",
                                      "P0003-01-29T04:35:59", "PT1.5H30M", "P16559.14S",
                                      "PT1H\n", "pt1h", "-PT1H"])
def test_duration_must_be_an_iso8601_duration(validator, version, duration):
    statement = with_result(duration=duration)
    assert pointer_of(validator, statement, version) == "/result/duration"


@pytest.mark.parametrize("duration", ["PT1H0M0.1S", "PT4H35M59.14S", "PT16559.14S",
                                      "P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "P1DT12H", "PT0,5S",
                                      "PT1.5H", "P0D"])
def test_iso8601_durations_are_accepted(validator, version, duration):
    validator.validate_statement(with_result(duration=duration), version)


def test_result_extension_key_must_be_an_iri(validator, version):
    statement = with_result(extensions={"lesson hours": 2})
    assert pointer_of(validator, statement, version) == "/result/extensions/lesson hours"


def test_extension_key_pointer_escapes_slashes(validator, version):
    statement = with_result(extensions={"jp/hours": 2})
    assert pointer_of(validator, statement, version) == "/result/extensions/jp~1hours"


def test_extension_values_are_never_checked(validator, version):
    value = {"any": [1, "two", None, {"deep": True}], "n": -1e300}
    validator.validate_statement(with_result(extensions={JP_EXTENSION: value}), version)


# --- context -------------------------------------------------------------------------------


def test_registration_must_be_a_uuid(validator, version):
    statement = with_context(registration="registrasi-1")
    assert pointer_of(validator, statement, version) == "/context/registration"


@pytest.mark.parametrize("key", ["revision", "platform"])
@pytest.mark.parametrize("target", [
    {"objectType": "StatementRef", "id": UUID},
    {"objectType": "Agent", "mbox": "mailto:mentor@bkn.go.id"},
    {"objectType": "Group", "member": [{"mbox": "mailto:mentor@bkn.go.id"}]},
    substatement(),
])
def test_revision_and_platform_only_when_the_object_is_an_activity(
        validator, version, key, target):
    statement = make_statement(object=target, context={key: "v2"})
    assert pointer_of(validator, statement, version) == f"/context/{key}"
    validator.validate_statement(make_statement(context={key: "v2"}), version)


def test_substatement_revision_only_when_its_object_is_an_activity(validator, version):
    inner = substatement(object={"objectType": "StatementRef", "id": UUID},
                         context={"revision": "2"})
    assert pointer_of(validator, with_object(inner), version) == "/object/context/revision"


def test_context_activities_keys_are_parent_grouping_category_other(validator, version):
    statement = with_context(contextActivities={"sibling": [make_activity()]})
    assert pointer_of(validator, statement, version) == "/context/contextActivities/sibling"


def test_single_context_activity_object_is_accepted(validator, version):
    statement = with_context(contextActivities={"parent": make_activity()})
    validator.validate_statement(statement, version)


def test_context_activity_id_must_be_an_iri(validator, version):
    statement = with_context(contextActivities={"grouping": [{"id": "latsar"}]})
    assert pointer_of(validator, statement, version) == (
        "/context/contextActivities/grouping/0/id")
    statement = with_context(contextActivities={"grouping": {"id": "latsar"}})
    assert pointer_of(validator, statement, version) == "/context/contextActivities/grouping/id"


def test_context_activity_definition_is_checked(validator, version):
    activity = {"id": "https://berpijar.id/a", "definition": {"interactionType": "likert",
                                                              "choices": components("a")}}
    statement = with_context(contextActivities={"other": [activity]})
    assert pointer_of(validator, statement, version) == (
        "/context/contextActivities/other/0/definition/choices")


def test_context_instructor_follows_the_agent_rules(validator, version):
    statement = with_context(instructor={"mbox": "mailto:widyaiswara@lan.go.id",
                                         "openid": "http://widyaiswara.example.org/"})
    assert pointer_of(validator, statement, version) == "/context/instructor/openid"
    validator.validate_statement(with_context(instructor=make_agent("196501011990031001")),
                                 version)


def test_context_team_must_be_a_group(validator, version):
    statement = with_context(team=make_agent())
    assert pointer_of(validator, statement, version) == "/context/team/objectType"
    statement = with_context(team={"objectType": "Group", "name": "Tim"})
    assert pointer_of(validator, statement, version) == "/context/team/member"


def test_context_statement_must_be_a_statement_ref(validator, version):
    statement = with_context(statement={"objectType": "statementref", "id": UUID})
    assert pointer_of(validator, statement, version) == "/context/statement/objectType"
    statement = with_context(statement={"objectType": "StatementRef", "id": "x"})
    assert pointer_of(validator, statement, version) == "/context/statement/id"


def test_context_language_must_be_a_string(validator, version):
    statement = with_context(language={"a12345": "should fail"})
    assert pointer_of(validator, statement, version) == "/context/language"


@pytest.mark.parametrize("tag", ["something", "en_US", "", "de-1901-1901"])
def test_context_language_must_be_an_rfc_5646_tag(validator, version, tag):
    """Data 2.4.6 / 2.0 §4.2.2.5: `language` is an RFC 5646 tag (conformance XAPI-00013)."""
    assert pointer_of(validator, with_context(language=tag), version) == "/context/language"
    sub = with_object(substatement(context={"language": tag}))
    assert pointer_of(validator, sub, version) == "/object/context/language"


@pytest.mark.parametrize("tag", ["id-ID", "cmn", "jv-Latn-ID"])
def test_context_language_tag_is_accepted(validator, version, tag):
    validator.validate_statement(with_context(language=tag), version)


def test_context_extension_key_must_be_an_iri(validator, version):
    statement = with_context(extensions={"jp": 2})
    assert pointer_of(validator, statement, version) == "/context/extensions/jp"


# --- timestamps ----------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["01/011/2015", "should fail", "2015-09-15",
                                       "2015-09-15T15:53:00.601Z\n", ""])
def test_timestamp_must_be_a_date_and_time(validator, version, timestamp):
    statement = make_statement(timestamp=timestamp)
    assert pointer_of(validator, statement, version) == "/timestamp"


@pytest.mark.parametrize("offset", ["-00", "-0000", "-00:00"])
def test_timestamp_with_negative_zero_offset_is_rejected(validator, version, offset):
    statement = make_statement(timestamp="2008-09-15T15:53:00.601" + offset)
    assert pointer_of(validator, statement, version) == "/timestamp"


@pytest.mark.parametrize("timestamp", ["2013-05-18T05:32:34.804Z", "2013-05-18T05:32:34+07:00",
                                       "2008-09-15 15:53:00.601+00:00",
                                       "2024-05-01T08:30:00.123456789-05:00",
                                       "2016-02-29T23:59:60Z"])
def test_rfc3339_timestamps_are_accepted(validator, version, timestamp):
    validator.validate_statement(make_statement(timestamp=timestamp), version)


@pytest.mark.parametrize("timestamp", ["2015-02-29T00:00:00Z", "2015-13-01T00:00:00Z",
                                       "2015-04-31T00:00:00Z", "2015-01-01T24:00:00Z",
                                       "2015-01-01T12:60:00Z", "2015-01-01T12:00:61Z",
                                       "2015-01-01T12:00:00+24:00", "0000-01-01T00:00:00Z"])
def test_timestamp_that_is_no_real_instant_is_rejected(validator, version, timestamp):
    error = rejection(validator, make_statement(timestamp=timestamp), version)
    assert error.pointer == "/timestamp"


@pytest.mark.parametrize("timestamp", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"])
def test_timestamp_outside_the_utc_calendar_is_rejected(validator, version, timestamp):
    assert pointer_of(validator, make_statement(timestamp=timestamp), version) == "/timestamp"


def test_stored_is_checked_like_a_timestamp(validator, version):
    statement = make_statement(stored="2024-02-30T00:00:00Z")
    assert pointer_of(validator, statement, version) == "/stored"
    validator.validate_statement(make_statement(stored="2024-05-01T01:30:00.000Z"), version)


@pytest.mark.parametrize("timestamp", ["2015-09-15T15:53:00", "2015-09-15T15:53",
                                       "20150915T155300Z", "20150915T155300.601+0700",
                                       "2015-09-15T15:53:00,5+07"])
def test_iso8601_timestamp_that_is_not_rfc3339_is_accepted_by_1_0_3_only(validator, timestamp):
    statement = make_statement(timestamp=timestamp)
    validator.validate_statement(statement, "1.0.3")
    assert pointer_of(validator, statement, "2.0.0") == "/timestamp"


# --- version -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1.0", "1.0.0", "1.0.3", "1.0.9"])
def test_version_1_0_x_is_accepted_by_1_0_3(validator, value):
    validator.validate_statement(make_statement(version=value), "1.0.3")


@pytest.mark.parametrize("value", ["2.0.0", "1.1.0", "0.9.9", "1", "1.0.", "should fail", 1.0])
def test_other_versions_are_rejected_by_1_0_3(validator, value):
    assert pointer_of(validator, make_statement(version=value), "1.0.3") == "/version"


@pytest.mark.parametrize("value", ["2.0", "2.0.0", "2.0.1"])
def test_version_2_0_x_is_accepted_by_2_0(validator, value):
    validator.validate_statement(make_statement(version=value), "2.0.0")


@pytest.mark.parametrize("value", ["1.0", "1.0.0", "1.0.3", "1.0.9"])
def test_version_1_0_x_is_accepted_by_2_0(validator, value):
    """2.0 gives the LRS no rule to refuse a 1.0.x Statement and asks it to keep the
    version it was accepted with; deployed 1.0.x libraries stamp their own version."""
    validator.validate_statement(make_statement(version=value), "2.0.0")


@pytest.mark.parametrize("value", ["2.1.0", "3.0.0", "1.1.0", "0.9.5", "1.0.", "2"])
def test_other_versions_are_rejected_by_2_0(validator, value):
    assert pointer_of(validator, make_statement(version=value), "2.0.0") == "/version"


# --- authority -----------------------------------------------------------------------------

OAUTH_APP = {"account": {"homePage": "https://lms.berpijar.id/oauth/token", "name": "app-1"}}


def test_authority_agent_is_accepted(validator, version):
    authority = {"objectType": "Agent", "account": {"homePage": "https://hub.berpijar.id",
                                                    "name": "mitra-bkpsdm"}}
    validator.validate_statement(make_statement(authority=authority), version)


def test_authority_oauth_group_of_two_is_accepted(validator, version):
    authority = {"objectType": "Group", "member": [OAUTH_APP, {"mbox": "mailto:a@bkn.go.id"}]}
    validator.validate_statement(make_statement(authority=authority), version)


@pytest.mark.parametrize("count", [1, 3])
def test_authority_group_must_have_two_members(validator, version, count):
    members = [OAUTH_APP] + [{"mbox": f"mailto:user{i}@bkn.go.id"} for i in range(count - 1)]
    statement = make_statement(authority={"objectType": "Group", "member": members})
    assert pointer_of(validator, statement, version) == "/authority/member"


def test_authority_identified_group_is_rejected(validator, version):
    authority = {"objectType": "Group", "openid": "http://group.example.org/",
                 "member": [OAUTH_APP, {"mbox": "mailto:a@bkn.go.id"}]}
    assert pointer_of(validator, make_statement(authority=authority), version) == "/authority"


def test_authority_agent_with_two_identifiers_is_rejected(validator, version):
    authority = {"mbox": "mailto:a@bkn.go.id", **OAUTH_APP}
    assert pointer_of(validator, make_statement(authority=authority), version) == (
        "/authority/account")


# --- attachments ---------------------------------------------------------------------------


def test_attachment_is_accepted(validator, version):
    validator.validate_statement(make_statement(attachments=[attachment()]), version)
    statement = make_statement(attachments=[attachment(
        fileUrl="https://berpijar.id/files/sertifikat.pdf", description={"id-ID": "Bukti"})])
    validator.validate_statement(statement, version)


@pytest.mark.parametrize("field", ["usageType", "display", "contentType", "length", "sha2"])
def test_attachment_needs_usage_type_display_content_type_length_and_sha2(
        validator, version, field):
    statement = make_statement(attachments=[attachment(**{field: None})])
    assert pointer_of(validator, statement, version) == f"/attachments/0/{field}"


@pytest.mark.parametrize(("field", "value"), [
    ("usageType", "certificate"), ("fileUrl", "sertifikat.pdf"), ("length", -1),
    ("length", 10.5), ("length", "1024"), ("sha2", "abc"), ("contentType", "pdf"),
    ("display", {"Indonesia": "Sertifikat"}), ("description", {"id-ID": 1}),
])
def test_attachment_field_format_is_checked(validator, version, field, value):
    statement = make_statement(attachments=[attachment(**{field: value})])
    assert pointer_of(validator, statement, version).startswith(f"/attachments/0/{field}")


def test_attachments_must_be_an_array(validator, version):
    statement = make_statement(attachments=attachment())
    assert pointer_of(validator, statement, version) == "/attachments"


# --- voiding -------------------------------------------------------------------------------


def test_voiding_statement_must_target_a_statement_ref(validator, version):
    statement = make_statement(verb=make_verb("voided"), context=None, result=None)
    assert pointer_of(validator, statement, version) == "/object/objectType"
    statement["object"] = {"objectType": "StatementRef", "id": UUID}
    validator.validate_statement(statement, version)


# --- xAPI 2.0: context agents and context groups -----------------------------------------

INSTRUCTOR_TYPE = "https://berpijar.id/xapi/relevant-types/widyaiswara"


def context_agent(**overrides):
    body = {"objectType": "contextAgent", "agent": make_agent("196501011990031001"),
            "relevantTypes": [INSTRUCTOR_TYPE]}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def context_group(**overrides):
    body = {"objectType": "contextGroup",
            "group": {"objectType": "Group", "name": "Angkatan 1", "member": [make_agent()]},
            "relevantTypes": ["https://berpijar.id/xapi/relevant-types/angkatan"]}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def test_context_agents_and_groups_are_accepted_by_2_0(validator):
    statement = with_context(contextAgents=[context_agent(), context_agent(relevantTypes=None)],
                             contextGroups=[context_group()])
    validator.validate_statement(statement, "2.0.0")
    validator.validate_statement(with_object(substatement(context=statement["context"])), "2.0.0")


@pytest.mark.parametrize("key", ["contextAgents", "contextGroups"])
def test_context_agents_and_groups_are_rejected_by_1_0_3(validator, key):
    entry = context_agent() if key == "contextAgents" else context_group()
    statement = with_context(**{key: [entry]})
    assert pointer_of(validator, statement, "1.0.3") == f"/context/{key}"


def test_context_agent_object_type_must_be_context_agent(validator):
    statement = with_context(contextAgents=[context_agent(objectType="Should fail")])
    assert pointer_of(validator, statement, "2.0.0") == "/context/contextAgents/0/objectType"
    statement = with_context(contextAgents=[context_agent(objectType=None)])
    assert pointer_of(validator, statement, "2.0.0") == "/context/contextAgents/0/objectType"


def test_context_agent_agent_must_be_a_valid_agent(validator):
    statement = with_context(contextAgents=[context_agent(agent={"key": "Should fail"})])
    assert pointer_of(validator, statement, "2.0.0") == "/context/contextAgents/0/agent/key"
    two_ifis = {"mbox": "mailto:a@bkn.go.id", "openid": "http://a.example.org/"}
    statement = with_context(contextAgents=[context_agent(agent=two_ifis)])
    assert pointer_of(validator, statement, "2.0.0") == (
        "/context/contextAgents/0/agent/openid")


def test_context_agent_agent_cannot_be_a_group(validator):
    group = {"objectType": "Group", "member": [make_agent()]}
    statement = with_context(contextAgents=[context_agent(agent=group)])
    assert pointer_of(validator, statement, "2.0.0").startswith("/context/contextAgents/0/agent/")


def test_context_agent_relevant_types_must_not_be_empty(validator):
    statement = with_context(contextAgents=[context_agent(relevantTypes=[])])
    assert pointer_of(validator, statement, "2.0.0") == "/context/contextAgents/0/relevantTypes"


def test_context_agent_relevant_types_must_be_iris(validator):
    statement = with_context(contextAgents=[context_agent(relevantTypes=["abc"])])
    assert pointer_of(validator, statement, "2.0.0") == (
        "/context/contextAgents/0/relevantTypes/0")


def test_context_agent_takes_no_other_property(validator):
    statement = with_context(contextAgents=[context_agent(role="instructor")])
    assert pointer_of(validator, statement, "2.0.0") == "/context/contextAgents/0/role"


def test_context_group_object_type_must_be_context_group(validator):
    statement = with_context(contextGroups=[context_group(objectType="contextgroup")])
    assert pointer_of(validator, statement, "2.0.0") == "/context/contextGroups/0/objectType"


def test_context_group_group_must_be_a_valid_group(validator):
    statement = with_context(contextGroups=[context_group(group=make_agent())])
    assert pointer_of(validator, statement, "2.0.0") == (
        "/context/contextGroups/0/group/objectType")
    anonymous_without_members = {"objectType": "Group", "name": "Kosong"}
    statement = with_context(contextGroups=[context_group(group=anonymous_without_members)])
    assert pointer_of(validator, statement, "2.0.0") == (
        "/context/contextGroups/0/group/member")


def test_context_group_relevant_types_must_be_iris(validator):
    statement = with_context(contextGroups=[context_group(relevantTypes=["angkatan"])])
    assert pointer_of(validator, statement, "2.0.0") == (
        "/context/contextGroups/0/relevantTypes/0")


# --- Agent query parameters ----------------------------------------------------------------


@pytest.mark.parametrize("agent", [make_agent(), {"mbox": "mailto:pegawai@bkn.go.id"},
                                   {"objectType": "Group", "openid": "http://tim.example.org/"},
                                   {"objectType": "Group", "member": [make_agent()]}])
def test_agent_parameter_is_accepted(validator, version, agent):
    validator.validate_agent(agent, version)


def test_agent_parameter_with_two_identifiers_is_rejected(validator, version):
    agent = {"mbox": "mailto:pegawai@bkn.go.id", "openid": "http://pegawai.example.org/"}
    with pytest.raises(BadRequest) as caught:
        validator.validate_agent(agent, version)
    assert caught.value.parameter == "agent"
    assert caught.value.pointer is None
    assert caught.value.message.startswith("agent.openid ")


@pytest.mark.parametrize("agent", ["pegawai@bkn.go.id", [], None, 1,
                                   {"mbox": "pegawai@bkn.go.id"}, {"name": "Siti"},
                                   {"objectType": "Group"}, {"mbox": "mailto:a@b.co", "x": 1}])
def test_invalid_agent_parameter_is_rejected_naming_the_parameter(validator, version, agent):
    with pytest.raises(BadRequest) as caught:
        validator.validate_agent(agent, version, parameter="agent")
    assert caught.value.parameter == "agent"
    assert caught.value.pointer is None


def test_agent_parameter_error_uses_the_given_parameter_name(validator, version):
    with pytest.raises(BadRequest) as caught:
        validator.validate_agent({"name": "Siti"}, version, parameter="instructor")
    assert caught.value.parameter == "instructor"
    assert caught.value.message.startswith("instructor ")


# --- the validator and its schema files ---------------------------------------------------


@pytest.mark.parametrize("name", ["xapi-1.0.3-statement.json", "xapi-2.0.0-statement.json"])
def test_schema_file_is_draft_2020_12_and_every_definition_names_its_rule(name):
    schema = json.loads(resources.files("schemas").joinpath(name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert all("x-rule" in definition for definition in schema["$defs"].values())



def test_validation_never_reloads_the_schemas(validator, version, monkeypatch):
    def no_files(package):
        raise AssertionError("schemas read again")

    monkeypatch.setattr(validation.resources, "files", no_files)
    validator.validate_statement(make_statement(), version)
    validator.validate_agent(make_agent(), version)


def test_unknown_version_is_a_programming_error(validator):
    with pytest.raises(ValueError):
        validator.validate_statement(make_statement(), "0.95")


def test_validation_does_not_change_the_statement(validator, version):
    statement = make_statement(context={"contextActivities": {"parent": make_activity()}})
    before = copy.deepcopy(statement)
    validator.validate_statement(statement, version)
    assert statement == before
