"""The cleanup job: a list of rules, each idempotent and independent, run in order.

A rule finds what has outlived its time and deals with it in short transactions of its own,
reporting counts. One that fails (the database, the provider) is logged and reported, and the
others still run; whatever it left is found again next time, since every rule starts from what
the database says now. Only one instance runs the job at a time (`core/db.py: exclusively`).

To add a rule, write `async def rule(context) -> Counts` below and decorate it with `@rule(name)`.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from openai import AsyncOpenAI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.assistant.engines.assistants import delete_thread
from backend.assistant.engines.base import ProviderError
from backend.core.config import Settings
from backend.core.db import exclusively, unit_of_work
from backend.repositories import chat as chat_repository
from backend.repositories import shares as share_repository
from backend.repositories import users as user_repository

logger = logging.getLogger("scenecraft.jobs.cleanup")

LOCK_NAME = "scenecraft:cleanup"
# Rows per transaction, so no run holds long locks or builds huge statements; a rule repeats
# its batches until done, except the provider's, which is bounded per run.
BATCH = 200
THREADS_PER_RUN = 100
# The provider looks down: leave the rest of the threads for the next run.
THREAD_FAILURES_BEFORE_GIVING_UP = 3

Counts = dict[str, int]


@dataclass(frozen=True)
class CleanupContext:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    model_client: AsyncOpenAI
    now: datetime


@dataclass(frozen=True)
class Rule:
    name: str
    run: Callable[[CleanupContext], Awaitable[Counts]]


@dataclass(frozen=True)
class RuleReport:
    name: str
    counts: Counts
    error: str | None = None

    def line(self) -> str:
        counts = " ".join(f"{key}={value}" for key, value in self.counts.items())
        outcome = f"FAILED: {self.error}" if self.error else counts or "nothing to do"
        return f"{self.name}: {outcome}"


@dataclass(frozen=True)
class CleanupReport:
    ran: bool
    """False when another instance was running the job."""
    rules: list[RuleReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(report.error is None for report in self.rules)

    def lines(self) -> list[str]:
        if not self.ran:
            return ["skipped: another instance is running the cleanup job"]
        return [report.line() for report in self.rules]


RULES: list[Rule] = []


def rule(name: str) -> Callable[[Callable[[CleanupContext], Awaitable[Counts]]], Rule]:
    def register(run: Callable[[CleanupContext], Awaitable[Counts]]) -> Rule:
        registered = Rule(name, run)
        RULES.append(registered)
        return registered

    return register


@rule("idle_conversations")
async def deactivate_idle_conversations(context: CleanupContext) -> Counts:
    """Conversations idle for CHAT_CONVERSATION_TTL_DAYS become inactive; their provider
    threads are queued for deletion (a later message starts a new one from the history).
    Responses chains and Chat Completions keep nothing of ours to delete: a stored response
    expires under the provider's own retention."""
    idle_before = context.now - timedelta(days=context.settings.CHAT_CONVERSATION_TTL_DAYS)
    counts = {"deactivated": 0, "threads_queued": 0}
    while True:
        async with unit_of_work(context.sessions, write=True) as session:
            done, threads = await chat_repository.deactivate_idle_sessions(
                session, idle_before=idle_before, limit=BATCH
            )
        counts["deactivated"] += done
        counts["threads_queued"] += len(threads)
        if done < BATCH:
            return counts


@rule("expired_guests")
async def delete_expired_guests(context: CleanupContext) -> Counts:
    """Guest accounts unused for GUEST_TTL_DAYS go, with everything they made; their provider
    threads are queued for deletion."""
    unused_since = context.now - timedelta(days=context.settings.GUEST_TTL_DAYS)
    counts = {"guests_deleted": 0, "threads_queued": 0}
    while True:
        async with unit_of_work(context.sessions, write=True) as session:
            guests = list(
                await session.scalars(
                    user_repository.unused_guests_query(unused_since).limit(BATCH)
                )
            )
            threads = await chat_repository.threads_of_users(session, guests)
            await chat_repository.discard_threads(session, threads)
            counts["guests_deleted"] += await user_repository.delete_users(session, guests)
        counts["threads_queued"] += len(threads)
        if len(guests) < BATCH:
            return counts


@rule("provider_threads")
async def delete_provider_threads(context: CleanupContext) -> Counts:
    """Delete the queued threads at the provider (Assistants `threads.delete`, through the
    engine layer). A failure is logged and counted on the thread, which is tried again next
    run; after a few failures in a row the provider looks down and the run stops trying."""
    async with unit_of_work(context.sessions) as session:
        queued = await chat_repository.discarded_threads(session, THREADS_PER_RUN)
    deleted: list[str] = []
    failed = 0
    for thread_id in queued:
        try:
            await delete_thread(context.model_client, thread_id)
        except ProviderError as error:
            failed += 1
            logger.warning(
                "could not delete a provider thread; it is tried again next run",
                extra={"thread_id": thread_id, **error.cause},
            )
            async with unit_of_work(context.sessions, write=True) as session:
                await chat_repository.note_thread_failure(session, thread_id, error.message)
            if failed >= THREAD_FAILURES_BEFORE_GIVING_UP:
                break
            continue
        deleted.append(thread_id)
    async with unit_of_work(context.sessions, write=True) as session:
        await chat_repository.forget_threads(session, deleted)
    return {"deleted": len(deleted), "failed": failed}


@rule("ended_sign_in_sessions")
async def delete_ended_sign_in_sessions(context: CleanupContext) -> Counts:
    """Sign-in sessions no token can use any more (expired, revoked, idle)."""
    idle_since = context.now - timedelta(minutes=context.settings.SESSION_IDLE_MINUTES)
    async with unit_of_work(context.sessions, write=True) as session:
        deleted = await user_repository.delete_ended_auth_sessions(
            session, now=context.now, idle_since=idle_since
        )
    return {"deleted": deleted}


@rule("throttle_records")
async def delete_old_throttle_records(context: CleanupContext) -> Counts:
    """Failed sign-ins and guest creations that no longer count towards a throttle."""
    settings = context.settings
    async with unit_of_work(context.sessions, write=True) as session:
        deleted = await user_repository.delete_throttle_records(
            session,
            login_failures_before=context.now - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS),
            guest_creations_before=context.now - timedelta(seconds=settings.GUEST_WINDOW_SECONDS),
        )
    return {"deleted": deleted}


@rule("share_links")
async def delete_dead_share_links(context: CleanupContext) -> Counts:
    """Revoked and expired share links (no request can use them: every one checks), and
    comment posts that no longer count towards a guest throttle. Comments stay."""
    counts = {"links_deleted": 0, "posts_deleted": 0}
    while True:
        async with unit_of_work(context.sessions, write=True) as session:
            done = await share_repository.delete_dead_shares(session, context.now, BATCH)
        counts["links_deleted"] += done
        if done < BATCH:
            break
    window = timedelta(seconds=context.settings.SHARE_COMMENT_WINDOW_SECONDS)
    async with unit_of_work(context.sessions, write=True) as session:
        counts["posts_deleted"] = await share_repository.delete_comment_posts(
            session, context.now - window
        )
    return counts


async def _run_rule(cleanup_rule: Rule, context: CleanupContext) -> RuleReport:
    try:
        return RuleReport(cleanup_rule.name, await cleanup_rule.run(context))
    except Exception as error:
        logger.exception("cleanup rule failed", extra={"rule": cleanup_rule.name})
        return RuleReport(cleanup_rule.name, {}, f"{type(error).__name__}")


async def run_cleanup(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    model_client: AsyncOpenAI,
    *,
    now: datetime | None = None,
    rules: list[Rule] | None = None,
) -> CleanupReport:
    """Run every rule once, unless another instance is running the job."""
    async with exclusively(sessions, LOCK_NAME) as mine:
        if not mine:
            return CleanupReport(ran=False)
        context = CleanupContext(settings, sessions, model_client, now or datetime.now(UTC))
        reports = [await _run_rule(each, context) for each in rules or RULES]
    for report in reports:
        logger.info("cleanup: %s", report.line(), extra={"rule": report.name, **report.counts})
    return CleanupReport(ran=True, rules=reports)


async def run_periodically(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], model_client: AsyncOpenAI
) -> None:
    """The app's timer: run the job now and then every CLEANUP_INTERVAL_MINUTES, until the
    task is cancelled (at shutdown). A run that fails is logged; the next one still comes."""
    interval = settings.CLEANUP_INTERVAL_MINUTES * 60
    while True:
        try:
            await run_cleanup(settings, sessions, model_client)
        except Exception:
            logger.exception("the cleanup job failed")
        await asyncio.sleep(interval)
