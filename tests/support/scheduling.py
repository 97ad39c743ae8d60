"""The weekly scheduler's test bench: a small prompt library, an engine and senders that stand in for
the platforms (in process: the scheduler's edge is the `PromptSender` protocol), and an injected clock."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.config import Settings
from bot.models import Answer, Citation, ConversationGone, Prompt
from bot.prompts.scheduler import Scheduler
from tests.support.fixtures import USER_HASH_SALT

LONDON = ZoneInfo("Europe/London")
MON = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 2 March 2026 (ISO week 10), GMT


def prompt(pid: str, audience: str = "all", tags: tuple[str, ...] = ("general",)) -> Prompt:
    return Prompt(
        id=pid,
        title=f"Title {pid}",
        audience=audience,
        tags=list(tags),
        body=f"Body of {pid}.",
        question=f"What does guidance say about {pid}?",
        action="ask",
    )


LIBRARY = [
    prompt("p1", "clinicians", ("data",)),
    prompt("p2", "board members", ("governance",)),
    prompt("p3", "all", ("data", "governance")),
    prompt("p4", "leaders", ("workforce",)),
]


class FakeEngine:
    """Where the answer's wording does not matter (timing, races), a cited answer without the index."""

    def __init__(self):
        self.questions: list[str] = []

    def answer(self, question: str, history=None) -> Answer:
        self.questions.append(question)
        c = Citation(
            n=1,
            doc_id="d",
            title="Guide",
            publisher="NHS",
            year=2024,
            section=None,
            page=3,
            url=None,
            quote="A quoted passage.",
            chunk_id="d#1",
            score=0.5,
        )
        return Answer(
            question=question,
            abstained=False,
            reason=None,
            answer="A quoted passage [1].",
            citations=[c],
            index_build_id="fake",
        )


@dataclass
class Sent:
    conversation_id: str
    reference: dict | None
    prompt_id: str
    answer: Answer


class RecordingSender:
    """The platform edge: records every post and returns a message id, as Slack/Teams would."""

    def __init__(self, platform: str = "slack", jitter: bool = False):
        self.platform = platform
        self.sent: list[Sent] = []
        self.jitter = jitter
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    async def send_prompt(self, conversation_id, reference, prompt, answer) -> str:
        if self.jitter:  # shuffle the interleaving of racing replicas
            await asyncio.sleep(random.random() / 500)
        with self._lock:
            self.sent.append(Sent(conversation_id, reference, prompt.id, answer))
            return f"{self.platform}-{next(self._ids)}"


class GoneSender(RecordingSender):
    async def send_prompt(self, conversation_id, reference, prompt, answer) -> str:
        raise ConversationGone("channel_not_found")


class FlakySender(RecordingSender):
    def __init__(self, failures: int):
        super().__init__()
        self.failures = failures

    async def send_prompt(self, conversation_id, reference, prompt, answer) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Slack 500")
        return await super().send_prompt(conversation_id, reference, prompt, answer)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make(store, clock, sender=None, library=LIBRARY, engine=None):
    sender = sender or RecordingSender()
    return Scheduler(store, engine or FakeEngine(), library, {sender.platform: sender}, clock=clock), sender


def tick(scheduler, dry_run=False):
    return asyncio.run(scheduler.run_due(dry_run=dry_run))


def at(clock: Clock, when: datetime) -> Clock:
    clock.now = when
    return clock


# --- a prompt library on disk, and settings for a deployment with two leads ---------------------
LEADS = "slack:ULEAD,teams:29:lead-aad"
CHAT_LIBRARY = [
    Prompt(
        id="data-01",
        title="Know your Core20 population",
        audience="clinicians",
        tags=["data", "core20"],
        body="Look at who you see.",
        question="What is Core20PLUS5?",
        action="analyse",
    ),
    Prompt(
        id="lead-01",
        title="Board objectives",
        audience="board members",
        tags=["governance"],
        body="Ask your board.",
        question="What should boards do about health inequalities?",
        action="advocate",
    ),
]


def write_library(directory: Path, library: list[Prompt]) -> Path:
    """One YAML file per prompt, as in prompts/."""
    directory.mkdir(parents=True, exist_ok=True)
    for p in library:
        (directory / f"{p.id}.yaml").write_text(yaml.safe_dump(asdict(p), sort_keys=False))
    return directory


def lead_settings(tmp_path: Path, db_url: str, library: list[Prompt] = CHAT_LIBRARY) -> Settings:
    """Settings with the library under `tmp_path`, the test database and the `store` fixture's salt."""
    return Settings(
        _env_file=None,
        leads=LEADS,
        prompts_dir=write_library(tmp_path / "prompts", library),
        data_dir=tmp_path / "data",
        database_url=db_url,
        user_hash_salt=USER_HASH_SALT,
    )
