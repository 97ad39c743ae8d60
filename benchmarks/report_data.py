"""A seeded database for `hibot report` and the leads digest: N answers over several weeks on both
platforms, every decline reason, feedback with comments, weekly-prompt posts with replies and
reactions, and "Still need help?" requests. PLANTED identifiers are written straight into the rows
(as a database from before a guard fix might hold them), so a test can check that none reaches any
output. Used by tests/test_report.py and the report benchmark (`benchmarks/report_bench.py`)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from bot.storage.lead_tables import help_requests, prompt_engagement
from bot.storage.schema import answers, conversations, deliveries, feedback, subscriptions
from bot.storage.store import Store

# NHS number (valid check digit, with and without spaces), postcode, email and phone numbers.
PLANTED = [
    "943 476 5919",
    "9434765919",
    "SW1A 1AA",
    "LS1 4AP",
    "jane.doe@example.nhs.uk",
    "07700 900123",
    "+44 20 7946 0018",
]
DOCS = [
    ("core20plus5", "Core20PLUS5", ["Overview", "Clinical areas", "PLUS groups"]),
    ("rcp-reducing-health-inequalities", "RCP: reducing health inequalities", ["What can I do?", "Data"]),
    ("nhs-providers-board-guide-2024", "NHS Providers board guide", ["Objectives", "Anchor institutions"]),
    ("hunt-letter-2014", "Letter to NHS England 2014", ["Mandate"]),
]
GAP_TOPICS = [
    "housing for refugees",
    "dental access in prisons",
    "fuel poverty payments",
    "gypsy roma traveller health checks",
    "veterans mental health services",
    "interpreters for deaf patients",
]
TEMPLATES = [
    "What does the guidance say about {}?",
    "Is there anything on {}",
    "{} guidance?",
    "tell me about {}",
]
ANSWERED = ["What is Core20PLUS5?", "How can a board reduce inequalities?", "What are the PLUS groups?"]
DECLINE_REASONS = (
    ["no_evidence"] * 5
    + ["out_of_scope"] * 2
    + ["not_in_guidance_detail"] * 2
    + ["clinical_advice", "individual_patient", "opinion", "statistics_not_in_guidance"]
)
CHANNELS = [
    ("slack", "C0MATERNITY", "maternity"),
    ("slack", "C0PRIMARY", "primary-care"),
    ("teams", "19:leads@thread.tacv2", "HI leads"),
]


def _question(rng: random.Random, declined: bool) -> str:
    text = rng.choice(TEMPLATES).format(rng.choice(GAP_TOPICS)) if declined else rng.choice(ANSWERED)
    if rng.random() < 0.03:  # planted: what the guard should have removed
        text += f" (patient {rng.choice(PLANTED)})"
    return text


def _answer_row(rng: random.Random, i: int, now: datetime, weeks: int) -> dict:
    roll = rng.random()
    conversation, declined = roll < 0.05, 0.05 <= roll < 0.32
    reason = "greeting" if conversation else rng.choice(DECLINE_REASONS) if declined else None
    question = "hello" if conversation else _question(rng, declined)
    citations = []
    if not declined and not conversation:
        for doc_id, title, sections in rng.sample(DOCS, 2):
            citations.append(
                {"doc_id": doc_id, "title": title, "section": rng.choice(sections), "quote": "…"}
            )
    platform = "slack" if i % 3 else "teams"
    return {
        "answer_id": uuid.uuid4().hex,
        "question_hash": uuid.uuid4().hex + uuid.uuid4().hex,
        "question_redacted": question,
        "answer_json": {
            "question": question,
            "abstained": declined or conversation,
            "reason": reason,
            "citations": citations,
        },
        "rendered_json": {"text": "…"},
        "platform": platform,
        "user_hash": f"user-{i % 400}",
        "index_build_id": "seed",
        "corpus_hash": None,
        "created": now - timedelta(seconds=rng.randrange(int(timedelta(weeks=weeks).total_seconds()))),
    }


def seed(
    store: Store, n: int = 10_000, now: datetime | None = None, weeks: int = 4, seed_value: int = 17
) -> dict:
    """Fill `store` (migrated, empty) and return what was written, for checks."""
    rng = random.Random(seed_value)
    now = now or datetime.now(UTC)
    rows = [_answer_row(rng, i, now, weeks) for i in range(n)]
    fb = []
    for r in rng.sample(rows, n // 7):
        down = rng.random() < 0.4
        comment = None
        if down and rng.random() < 0.6:
            comment = rng.choice(["Missed the point", "Too long", "Wrong document"])
            if rng.random() < 0.2:
                comment += f", call me on {rng.choice(PLANTED)}"
        fb.append(
            {
                "platform": r["platform"],
                "user_hash": r["user_hash"],
                "answer_id": r["answer_id"],
                "rating": -1 if down else 1,
                "comment": comment,
                "created": r["created"] + timedelta(minutes=2),
            }
        )
    with store.engine.begin() as conn:
        conn.execute(answers.insert(), rows)
        conn.execute(feedback.insert(), fb)
        _prompt_posts(conn, rng, now, weeks)
        conn.execute(
            help_requests.insert(),
            [
                {
                    "platform": r["platform"],
                    "answer_id": r["answer_id"],
                    "reason": "declined",
                    "asker_hash": r["user_hash"],
                    "channel_id": "C0LEADS",
                    "message_id": None,
                    "created": r["created"],
                    "resolved_by": "lead" if k % 2 else None,
                    "resolved_at": r["created"] if k % 2 else None,
                }
                for k, r in enumerate(rows[:40])
            ],
        )
    declined = [r for r in rows if r["answer_json"]["abstained"] and r["answer_json"]["reason"] != "greeting"]
    asked = [r for r in rows if r["answer_json"]["reason"] != "greeting"]
    return {"answers": len(rows), "asked": len(asked), "declined": len(declined), "feedback": len(fb)}


def _prompt_posts(conn, rng: random.Random, now: datetime, weeks: int) -> None:
    for k, (platform, conv, name) in enumerate(CHANNELS):
        conn.execute(
            conversations.insert().values(
                platform=platform,
                conversation_id=conv,
                name=name,
                kind="channel",
                installed=True,
                removed=False,
                created=now,
                updated=now,
            )
        )
        sub_id = conn.execute(
            subscriptions.insert()
            .values(
                platform=platform,
                conversation_id=conv,
                weekday=0,
                time="09:00",
                timezone="Europe/London",
                active=True,
                starts_at=now - timedelta(weeks=weeks + 1),
                created=now,
                updated=now,
            )
            .returning(subscriptions.c.id)
        ).scalar_one()
        for w in range(weeks):
            sent = now - timedelta(weeks=w, hours=1)
            did = conn.execute(
                deliveries.insert()
                .values(
                    subscription_id=sub_id,
                    period_key=f"seed-{w}",
                    slot_at=sent,
                    prompt_id=f"0{w + 1}-prompt",
                    status="sent",
                    attempts=1,
                    sent_at=sent,
                    message_id=f"m-{k}-{w}",
                    answer_id=uuid.uuid4().hex,
                    created=sent,
                )
                .returning(deliveries.c.id)
            ).scalar_one()
            conn.execute(
                prompt_engagement.insert(),
                [
                    {
                        "platform": platform,
                        "conversation_id": conv,
                        "message_id": f"m-{k}-{w}",
                        "delivery_id": did,
                        "kind": "reply" if j % 2 else "reaction",
                        "user_hash": f"user-{j}",
                        "created": sent,
                    }
                    for j in range(k + 2)
                ],
            )
