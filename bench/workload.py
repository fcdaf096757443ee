"""A deterministic, realistic xAPI workload: civil servants (ASN) learning on partner platforms.

Statement `i` of a workload is a pure function of (seed, i), so the loader, the
preloader (in other processes) and the query sampler agree on what is stored
without sharing state.  The shape follows tests/factories.py:

* actors are `account` agents at https://siasn.bkn.go.id named by an 18-digit NIP;
* every five consecutive statements are one registration (one ASN enrolled in one
  course): attempted → experienced (module) → experienced (module) → completed →
  passed or failed, the last two with a result carrying score, duration and the
  lesson-hours extension `https://berpijar.id/xapi/extensions/jp`;
* activities have id-ID and en-US names; courses sit in programmes (contextActivities
  parent/grouping) and every statement carries the Berpijar profile as category.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SIASN = "https://siasn.bkn.go.id"
JP_EXTENSION = "https://berpijar.id/xapi/extensions/jp"
PROFILE = "https://berpijar.id/xapi/profiles/asn-learning"
STATEMENTS_PER_REGISTRATION = 5
COURSES = 600
PROGRAMMES = 40
MODULES_PER_COURSE = 6
# Timestamps (when learning happened) spread over this window, oldest first.
HISTORY_START = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
HISTORY_SPAN = timedelta(days=420)

ADL = "http://adlnet.gov/expapi/verbs/"
VERB_DISPLAY = {
    "attempted": "mencoba",
    "experienced": "mempelajari",
    "completed": "menyelesaikan",
    "passed": "lulus",
    "failed": "tidak lulus",
}
SEQUENCE = ("attempted", "experienced", "experienced", "completed", "passed")

PLATFORMS = (
    ("Akademi Digital", "https://akademi.example.id"),
    ("MOOC ASN", "https://mooc.asn.example.go.id"),
    ("LMS BKPSDM Jawa Barat", "https://lms.bkpsdm.jabarprov.example.go.id"),
    ("Corpu Kemenkeu", "https://corpu.kemenkeu.example.go.id"),
)
TOPICS = (
    ("analisis-kebijakan-publik", "Analisis Kebijakan Publik", "Public Policy Analysis"),
    ("manajemen-risiko", "Manajemen Risiko", "Risk Management"),
    ("pelayanan-publik", "Pelayanan Publik Prima", "Excellent Public Service"),
    ("pengadaan-barang-jasa", "Pengadaan Barang dan Jasa", "Public Procurement"),
    ("kepemimpinan-pengawas", "Kepemimpinan Pengawas", "Supervisory Leadership"),
    ("literasi-digital", "Literasi Digital", "Digital Literacy"),
    ("penyusunan-anggaran", "Penyusunan Anggaran", "Budget Preparation"),
    ("etika-asn", "Etika dan Integritas ASN", "Civil Service Ethics and Integrity"),
    ("data-pemerintahan", "Tata Kelola Data Pemerintahan", "Government Data Governance"),
    ("komunikasi-publik", "Komunikasi Publik", "Public Communication"),
)
GIVEN = ("Siti", "Budi", "Dewi", "Agus", "Rina", "Hendra", "Sri", "Joko", "Ayu", "Wahyu",
         "Nur", "Fajar", "Putri", "Rudi", "Lestari", "Bambang", "Indah", "Teguh")
FAMILY = ("Rahmawati", "Santoso", "Saputra", "Wijaya", "Lestari", "Hidayat", "Kusuma",
          "Pratama", "Nasution", "Siregar", "Simanjuntak", "Wibowo", "Hasibuan", "Sihombing")


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big")


@functools.lru_cache(maxsize=100_000)
def _agent(workload: Workload, agent: int) -> dict[str, Any]:
    rng = random.Random(_hash(workload.seed, "name", agent))
    return {"objectType": "Agent", "name": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
            "account": {"homePage": SIASN, "name": workload.nip(agent)}}


@dataclass(frozen=True)
class Workload:
    """`agents` civil servants; statement i belongs to registration i // 5."""

    seed: int
    agents: int

    @classmethod
    def for_size(cls, statements: int, seed: int = 20260314) -> Workload:
        # About 25 statements per ASN (five courses a year): realistic fan-out per agent.
        return cls(seed=seed, agents=max(200, statements // 25))

    # --- the population ----------------------------------------------------------
    def nip(self, agent: int) -> str:
        """An 18-digit NIP (birth date, appointment month, gender, sequence), unique per index."""
        rng = random.Random(_hash(self.seed, "nip", agent))
        rest, sequence = divmod(agent, 999)  # birth date and sequence spell the index
        birth = f"{1965 + rest // 336 % 36}{rest // 28 % 12 + 1:02d}{rest % 28 + 1:02d}"
        appointed = f"{rng.randint(1990, 2024)}{rng.randint(1, 12):02d}"
        return f"{birth}{appointed}{rng.randint(1, 2)}{sequence + 1:03d}"

    def agent(self, agent: int) -> dict[str, Any]:
        return copy.deepcopy(_agent(self, agent))

    @staticmethod
    def programme_id(programme: int) -> str:
        platform = PLATFORMS[programme % len(PLATFORMS)][1]
        return f"{platform}/program/{TOPICS[programme % len(TOPICS)][0]}-{programme:02d}"

    @staticmethod
    def course_id(course: int) -> str:
        platform = PLATFORMS[course % PROGRAMMES % len(PLATFORMS)][1]
        return f"{platform}/kelas/{TOPICS[course % len(TOPICS)][0]}-{course:03d}"

    def course(self, course: int) -> dict[str, Any]:
        _, name_id, name_en = TOPICS[course % len(TOPICS)]
        return {
            "objectType": "Activity",
            "id": self.course_id(course),
            "definition": {
                "name": {"id-ID": f"{name_id} {course:03d}", "en-US": f"{name_en} {course:03d}"},
                "description": {"id-ID": f"Kelas daring {name_id}",
                                "en-US": f"Online class: {name_en}"},
                "type": "http://adlnet.gov/expapi/activities/course",
                "extensions": {JP_EXTENSION: self.jp(course)},
            },
        }

    def module(self, course: int, module: int) -> dict[str, Any]:
        _, name_id, name_en = TOPICS[course % len(TOPICS)]
        return {
            "objectType": "Activity",
            "id": f"{self.course_id(course)}/modul-{module}",
            "definition": {
                "name": {"id-ID": f"{name_id}: Modul {module}",
                         "en-US": f"{name_en}: Module {module}"},
                "type": "http://adlnet.gov/expapi/activities/module",
            },
        }

    @staticmethod
    def jp(course: int) -> int:
        return (2, 4, 8, 12, 20, 24, 40)[course % 7]

    def registration(self, registration: int) -> str:
        return str(uuid.UUID(int=_hash(self.seed, "registration", registration), version=4))

    def statement_id(self, index: int) -> str:
        return str(uuid.UUID(int=_hash(self.seed, "statement", index), version=4))

    # --- statements --------------------------------------------------------------
    def facts(self, index: int) -> dict[str, Any]:
        """What statement `index` can be queried by (cheap: no statement is built)."""
        registration = index // STATEMENTS_PER_REGISTRATION
        step = index % STATEMENTS_PER_REGISTRATION
        rng = random.Random(_hash(self.seed, "enrolment", registration))
        agent = rng.randrange(self.agents)
        course = rng.randrange(COURSES)
        verb = SEQUENCE[step]
        if verb == "passed" and rng.random() < 0.15:
            verb = "failed"
        return {"registration": registration, "step": step, "agent": agent, "course": course,
                "programme": course % PROGRAMMES, "verb": verb, "score": rng.randint(40, 100),
                "platform": PLATFORMS[course % PROGRAMMES % len(PLATFORMS)]}

    def statement(self, index: int, total: int) -> dict[str, Any]:
        """Statement `index` of a workload of `total` statements (timestamps spread evenly)."""
        f = self.facts(index)
        course = f["course"]
        programme = {"objectType": "Activity", "id": self.programme_id(f["programme"])}
        if f["verb"] == "experienced":
            target = self.module(course, 1 + (index + f["agent"]) % MODULES_PER_COURSE)
            parent, grouping = {"objectType": "Activity", "id": self.course_id(course)}, programme
        else:
            target = self.course(course)
            parent = programme
            grouping = {"objectType": "Activity", "id": f"{f['platform'][1]}/katalog"}
        moment = HISTORY_START + HISTORY_SPAN * (index / max(total, 1))
        statement: dict[str, Any] = {
            "id": self.statement_id(index),
            "actor": self.agent(f["agent"]),
            "verb": {"id": ADL + f["verb"],
                     "display": {"en-US": f["verb"], "id-ID": VERB_DISPLAY[f["verb"]]}},
            "object": target,
            "context": {
                "registration": self.registration(f["registration"]),
                "platform": f["platform"][0],
                "language": "id-ID",
                "contextActivities": {
                    "parent": [parent],
                    "grouping": [grouping],
                    "category": [{"objectType": "Activity", "id": PROFILE,
                                  "definition": {"type": "http://adlnet.gov/expapi/activities/profile"}}],
                },
            },
            "timestamp": (moment + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{moment.microsecond // 1000:03d}+07:00",
        }
        if f["verb"] in ("completed", "passed", "failed"):
            passed = f["verb"] != "failed"
            score = f["score"] if passed else min(f["score"], 69)
            statement["result"] = {
                "score": {"scaled": score / 100, "raw": score, "min": 0, "max": 100},
                "success": passed,
                "completion": True,
                "duration": f"PT{1 + f['score'] % 9}H{f['score'] % 60}M",
            }
            if f["verb"] == "completed":
                statement["result"].pop("success")
                statement["result"]["extensions"] = {JP_EXTENSION: self.jp(course)}
        return statement

    # --- query parameters --------------------------------------------------------
    def sample_indices(self, loaded: int, count: int, salt: str) -> list[int]:
        rng = random.Random(_hash(self.seed, "sample", salt))
        return [rng.randrange(loaded) for _ in range(count)]
