"""What every MongoDB store shares: the unit of work as a multi-document transaction,
sessions to read and write in, instants, and MongoDB's errors in the contract's terms.

mongoengine 0.29 cannot run an operation in a client session (it has no transaction
support), so stores read and write through pymongo, passing the session of the open
unit of work; mongoengine declares the records (hub.storage.mongo.records) and owns the
connection.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, overload

from pymongo import MongoClient, ReadPreference, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from hub.storage.contract import AlreadyExists, Contended, ReadOnlyUnitOfWork

# An acknowledged write is on a majority of the replica set's journals: it survives the
# loss of the primary (docs/operations.md "MongoDB").
MAJORITY = WriteConcern("majority", j=True)
# A transaction reads one snapshot, like REPEATABLE READ on PostgreSQL.
SNAPSHOT = ReadConcern("snapshot")
WRITE_CONFLICT = 112
COUNTERS = "counters"  # allocate()
LOCKS = "locks"  # lock()
T = TypeVar("T")


@dataclass(frozen=True)
class MongoUnitOfWork:
    """The session and transaction every store of a storage runs on while it is open."""

    client: MongoClient[Any]
    session: ClientSession
    write: bool


_CURRENT: ContextVar[MongoUnitOfWork | None] = ContextVar("hub_mongo_unit_of_work",
                                                          default=None)


def _current(client: MongoClient[Any]) -> MongoUnitOfWork | None:
    uow = _CURRENT.get()
    return uow if uow is not None and uow.client is client else None


@contextmanager
def unit_of_work(client: MongoClient[Any], *, write: bool) -> Iterator[MongoUnitOfWork]:
    """One transaction for every store on `client` until the block ends: committed at the
    end, aborted on an exception; a nested one joins the open one.  A write conflict with
    a concurrent transaction (MongoDB aborts the later one at once instead of waiting)
    surfaces as `Contended`, at the conflicting write or at the commit."""
    outer = _current(client)
    if outer is not None:
        if write and not outer.write:
            raise ReadOnlyUnitOfWork("a writing unit of work inside a read-only one")
        yield outer
        return
    with client.start_session() as session, contention():
        session.start_transaction(read_concern=SNAPSHOT, write_concern=MAJORITY,
                                  read_preference=ReadPreference.PRIMARY)
        uow = MongoUnitOfWork(client=client, session=session, write=write)
        token = _CURRENT.set(uow)
        try:
            yield uow
        except BaseException:
            if session.in_transaction:
                session.abort_transaction()
            raise
        else:
            session.commit_transaction()
        finally:
            _CURRENT.reset(token)


@contextmanager
def contention() -> Iterator[None]:
    """MongoDB's transient transaction errors as `Contended`: the unit may be run again."""
    try:
        yield
    except OperationFailure as error:
        if error.code == WRITE_CONFLICT or error.has_error_label("TransientTransactionError"):
            raise Contended(str(error)) from error
        raise


def reading(client: MongoClient[Any]) -> ClientSession | None:
    """The session to read in: the open unit of work's, or none (each read on its own)."""
    uow = _current(client)
    return uow.session if uow is not None else None


def writing(client: MongoClient[Any]) -> ClientSession | None:
    """The session to write in: the open unit of work's (which must be a writing one),
    or none, for a write that is atomic on its own (one document)."""
    uow = _current(client)
    if uow is not None and not uow.write:
        raise ReadOnlyUnitOfWork("a store writes inside a read-only unit of work "
                                 "(open it with storage.begin(write=True))")
    return uow.session if uow is not None else None


def run_transaction(client: MongoClient[Any], work: Callable[[ClientSession], T],
                    attempts: int = 12) -> T:
    """`work(session)` in a transaction, run again (with a short random pause) when a
    concurrent transaction wrote the same document first — the way SQL engines wait on
    a row lock.  Inside an open unit of work it runs once, in that unit: only the whole
    unit can be run again (`Contended` then reaches its caller)."""
    joined = writing(client)
    if joined is not None:
        return work(joined)
    for attempt in range(attempts):
        try:
            with unit_of_work(client, write=True) as uow:
                return work(uow.session)
        except Contended:
            if attempt == attempts - 1:
                raise
            # Random and growing (to 0.5 s): contenders spread out instead of colliding again.
            time.sleep(random.uniform(0, min(0.5, 0.005 * 2 ** attempt)))
    raise AssertionError("unreachable")


def lock(session: ClientSession, database: Database[Any], name: str) -> None:
    """Serialise transactions on `name` (the advisory lock of the SQL engines): every
    transaction that takes it writes the same document, so of two concurrent ones the
    later is aborted with a write conflict (and `run_transaction` runs it again)."""
    try:
        database[LOCKS].update_one({"_id": name}, {"$inc": {"n": 1}}, upsert=True,
                                   session=session)
    except DuplicateKeyError as error:  # two first takers raced to create it
        raise Contended(f"lock {name!r} was created meanwhile") from error


def allocate(database: Database[Any], counter: str, count: int) -> int:
    """The first of `count` fresh numbers of `counter` (1, 2, ...).  Taken outside any
    transaction, so concurrent writers never conflict on the counter: like a PostgreSQL
    sequence, a number of a transaction that aborts is skipped, and numbers may become
    visible out of order (the feed's followers keep gaps, docs/transcripts.md)."""
    for _ in range(5):
        try:
            found = database[COUNTERS].find_one_and_update(
                {"_id": counter}, {"$inc": {"value": count}}, upsert=True,
                return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            continue  # two first uses raced to create the counter: it exists now
        # SecantusDB answered a racing first upsert with no document (seen under load;
        # MongoDB returns the document or the duplicate key): the counter exists now too.
        if found is not None:
            return int(found["value"]) - count + 1
    raise RuntimeError(f"counter {counter!r} could not be incremented")


@contextmanager
def unique(message: str) -> Iterator[None]:
    """A duplicate key (a unique index) as the contract's `AlreadyExists`."""
    try:
        yield
    except DuplicateKeyError as error:
        raise AlreadyExists(message) from error


# --- instants ----------------------------------------------------------------------
# BSON dates hold milliseconds; the contract's instants carry microseconds (SQL keeps
# them), so instants are stored as integer microseconds since the epoch: exact, and
# ordered like the instants themselves.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@overload
def micros(value: datetime) -> int: ...
@overload
def micros(value: None) -> None: ...
def micros(value: datetime | None) -> int | None:
    if value is None:
        return None
    delta = value.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@overload
def instant(value: int) -> datetime: ...
@overload
def instant(value: None) -> None: ...
def instant(value: int | None) -> datetime | None:
    return None if value is None else _EPOCH + timedelta(microseconds=value)
