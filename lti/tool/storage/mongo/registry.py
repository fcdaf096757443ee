"""MongoDB stores for the platforms registered with the hub as a tool and its short-lived
session values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database

from hub.storage import json_codec
from hub.storage.mongo.common import (
    allocate,
    instant,
    micros,
    reading,
    run_transaction,
    unique,
    writing,
)
from hub.storage.mongo.records import from_bson, to_bson
from lti.tool.storage.contract import LtiPlatform
from lti.tool.storage.mongo.records import (
    DeploymentRecord,
    InviteRecord,
    PlatformRecord,
    SessionValueRecord,
)

PLATFORMS = PlatformRecord._meta["collection"]


class MongoLtiPlatformStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._database = database
        self._platforms = database[PLATFORMS]
        self._invites = database[InviteRecord._meta["collection"]]

    def insert_platform(self, platform: LtiPlatform) -> LtiPlatform:
        platform_id = allocate(self._database, PLATFORMS, 1)
        created = micros(platform.created_at)
        record = PlatformRecord(
            id=platform_id, issuer=platform.issuer, client_id=platform.client_id,
            name=platform.name, auth_login_url=platform.auth_login_url,
            token_url=platform.token_url, jwks_url=platform.jwks_url,
            auth_audience=platform.auth_audience, created_at=created, disabled_at=None,
            deployments=[DeploymentRecord(deployment_id=d, created_at=created)
                         for d in dict.fromkeys(platform.deployment_ids)])
        with unique(f"{platform.issuer} {platform.client_id}"):
            self._platforms.insert_one(to_bson(record), session=writing(self._client))
        stored = self.get_platform(platform_id)
        if stored is None:  # written just above
            raise RuntimeError(f"LTI platform {platform_id} was not stored")
        return stored

    def get_platform(self, platform_id: int) -> LtiPlatform | None:
        son = self._platforms.find_one({"_id": platform_id}, session=reading(self._client))
        return _platform(son) if son else None

    def find_platforms(self, issuer: str) -> list[LtiPlatform]:
        return self._find({"issuer": issuer})

    def list_platforms(self) -> list[LtiPlatform]:
        return self._find({})

    def _find(self, where: dict[str, Any]) -> list[LtiPlatform]:
        found = self._platforms.find(where, sort=[("_id", ASCENDING)],
                                     session=reading(self._client))
        return [_platform(son) for son in found]

    def update_platform(self, platform: LtiPlatform) -> LtiPlatform | None:
        if platform.id is None:  # never stored: there is no such platform
            return None
        platform_id = platform.id
        wanted = list(dict.fromkeys(platform.deployment_ids))

        def update(session: ClientSession) -> bool:
            son = self._platforms.find_one({"_id": platform_id}, {"deployments": 1},
                                           session=session)
            if son is None:
                return False
            kept = {d["deployment_id"]: d for d in son.get("deployments", [])}
            now = datetime.now(UTC)
            deployments = [kept.get(d) or _deployment(d, now) for d in wanted]
            self._platforms.update_one({"_id": platform_id}, {"$set": {
                "client_id": platform.client_id, "name": platform.name,
                "auth_login_url": platform.auth_login_url, "token_url": platform.token_url,
                "jwks_url": platform.jwks_url, "auth_audience": platform.auth_audience,
                "deployments": deployments}}, session=session)
            return True

        with unique(f"{platform.issuer} {platform.client_id}"):
            if not run_transaction(self._client, update):
                return None
        return self.get_platform(platform_id)

    def set_platform_disabled(self, platform_id: int, when: datetime | None) -> bool:
        if when is None:
            result = self._platforms.update_one({"_id": platform_id},
                                                {"$set": {"disabled_at": None}},
                                                session=writing(self._client))
            return result.matched_count == 1
        # Keep the first disable time: only a missing one is set; the platform is still
        # "found" when it was disabled already.
        result = self._platforms.update_one(
            {"_id": platform_id},
            [{"$set": {"disabled_at": {"$ifNull": ["$disabled_at", micros(when)]}}}],
            session=writing(self._client))
        return result.matched_count == 1

    def add_deployment(self, platform_id: int, deployment_id: str, when: datetime) -> bool:
        deployment = _deployment(deployment_id, when)
        result = self._platforms.update_one(
            {"_id": platform_id, "deployments.deployment_id": {"$ne": deployment_id}},
            {"$push": {"deployments": deployment}}, session=writing(self._client))
        return result.modified_count == 1

    def remove_deployment(self, platform_id: int, deployment_id: str) -> bool:
        result = self._platforms.update_one(
            {"_id": platform_id},
            {"$pull": {"deployments": {"deployment_id": deployment_id}}},
            session=writing(self._client))
        return result.modified_count == 1

    def insert_invite(self, token_digest: str, note: str, created_at: datetime,
                      expires_at: datetime) -> None:
        record = InviteRecord(token_digest=token_digest, note=note,
                              created_at=micros(created_at), expires_at=micros(expires_at),
                              used_at=None, platform_id=None)
        with unique("the registration invite exists"):
            self._invites.insert_one(to_bson(record), session=writing(self._client))

    def invite_is_open(self, token_digest: str, now: datetime) -> bool:
        return self._invites.find_one(_open_invite(token_digest, now), {"_id": 1},
                                      session=reading(self._client)) is not None

    def close_invite(self, token_digest: str, platform_id: int, when: datetime) -> bool:
        result = self._invites.update_one(
            _open_invite(token_digest, when),
            {"$set": {"used_at": micros(when), "platform_id": platform_id}},
            session=writing(self._client))
        return result.modified_count == 1


def _deployment(deployment_id: str, when: datetime) -> dict[str, Any]:
    record = DeploymentRecord(deployment_id=deployment_id, created_at=micros(when))
    record.validate()
    return dict(record.to_mongo())


def _open_invite(token_digest: str, now: datetime) -> dict[str, Any]:
    return {"_id": token_digest, "used_at": None, "expires_at": {"$gt": micros(now)}}


def _platform(son: dict[str, Any]) -> LtiPlatform:
    record = from_bson(PlatformRecord, son)
    deployments = sorted(record.deployments, key=lambda d: (d.created_at, d.deployment_id))
    return LtiPlatform(
        id=record.id, issuer=record.issuer, client_id=record.client_id, name=record.name,
        auth_login_url=record.auth_login_url, token_url=record.token_url,
        jwks_url=record.jwks_url, auth_audience=record.auth_audience,
        created_at=instant(record.created_at),
        deployment_ids=tuple(d.deployment_id for d in deployments),
        disabled_at=instant(record.disabled_at))


class MongoLtiSessionStore:
    def __init__(self, database: Database[Any]) -> None:
        self._client: MongoClient[Any] = database.client
        self._values = database[SessionValueRecord._meta["collection"]]

    def put_value(self, key: str, value: Any, expires_at: datetime) -> None:
        record = SessionValueRecord(key=key, value=json_codec.dumps(value),
                                    expires_at=micros(expires_at))
        self._values.replace_one({"_id": key}, to_bson(record), upsert=True,
                                 session=writing(self._client))

    def get_value(self, key: str, now: datetime) -> Any | None:
        son = self._values.find_one({"_id": key, "expires_at": {"$gt": micros(now)}},
                                    session=reading(self._client))
        return json_codec.loads(son["value"]) if son else None

    def take_value(self, key: str, now: datetime) -> Any | None:
        # One document deleted atomically: of concurrent takers only one gets it back.
        son = self._values.find_one_and_delete({"_id": key}, session=writing(self._client))
        if son is None or son["expires_at"] <= micros(now):
            return None
        return json_codec.loads(son["value"])

    def purge_expired(self, now: datetime) -> int:
        result = self._values.delete_many({"expires_at": {"$lte": micros(now)}},
                                          session=writing(self._client))
        return result.deleted_count
