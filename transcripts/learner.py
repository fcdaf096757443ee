"""A civil servant's own year at a glance, for the LTI landing page (the port
`lti.service.LearnerSummaryReader`): JP this year against the requirement, per
competency type, and what was counted most recently.

Built by the same aggregation as every transcript read (`build_transcript`), so the
learner sees the numbers an auditor sees.  The read is written to the access log.
"""

from __future__ import annotations

from datetime import datetime

from lti.service import RECENT_LIMIT, CountedActivity, LearnerSummary
from transcripts.access import anonymous_reader, record_access
from transcripts.aggregation import UNMAPPED, build_transcript
from transcripts.evidence import JAKARTA
from transcripts.policy import current_policy
from transcripts.storage import stores as transcript_stores

# Whose type the registry does not know yet (a person first met in a launch) is held to
# the PNS requirement: PP 17/2020 art. 203(4), 20 JP a year.
DEFAULT_EMPLOYEE_TYPE = "PNS"


def learner_summary(nip: str, *, viewer: str, now: datetime | None = None
                    ) -> LearnerSummary | None:
    stores, policy = transcript_stores(), current_policy()
    person = stores.people.get_person(nip)
    if person is None:
        return None
    year = (now or datetime.now(JAKARTA)).astimezone(JAKARTA).year
    competencies = stores.frameworks.competencies()
    transcript = build_transcript(person, year, stores.transcripts.evidence_of(nip, year),
                                  competencies, count_repeats=policy.count_repeats,
                                  requirements_centi=policy.requirements_centi)
    required = transcript.required_jp_centi
    if required is None:
        required = policy.requirements_centi[DEFAULT_EMPLOYEE_TYPE]
    newest = sorted(transcript.lines, key=lambda line: (line.date, line.activity_id),
                    reverse=True)[:RECENT_LIMIT]
    recent = []
    for line in newest:
        competency = competencies.get(line.competency_id) if line.competency_id else None
        recent.append(CountedActivity(
            name=line.activity_name or line.activity_id, date=line.date.astimezone(JAKARTA)
            .date(), jp_centi=line.jp_centi,
            competency_type=competency.type if competency else UNMAPPED))
    record_access(stores.access, anonymous_reader(viewer), "learner.summary", [nip], year)
    return LearnerSummary(nip=nip, year=year, jp_centi=transcript.jp_centi,
                          required_jp_centi=required,
                          jp_by_type_centi=dict(transcript.jp_by_type_centi),
                          recent=tuple(recent))
