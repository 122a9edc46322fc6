"""The chat page in a real browser, against the real app and the offline model."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import AppFactory
from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import create_project, register
from tests.servers import serve

SessionFactory = Callable[..., AbstractAsyncContextManager[BrowserSession]]


@pytest.fixture
def chat_session(
    browser: Browser, make_app: AppFactory, request: pytest.FixtureRequest
) -> SessionFactory:
    """A browser session against an app built with the given settings."""

    @asynccontextmanager
    async def open_session(**settings: object) -> AsyncIterator[BrowserSession]:
        app = make_app(**settings)
        async with serve(app) as url:
            context = await browser.new_context(viewport={"width": 1440, "height": 900})
            page = await context.new_page()
            page.set_default_timeout(10_000)
            session = BrowserSession(
                page, context, url, request.node.name.replace("[", "-").replace("]", "")
            )
            page.on("pageerror", lambda error: session.console_errors.append(str(error)))
            try:
                yield session
            finally:
                await context.close()

    return open_session


async def open_chat(session: BrowserSession, title: str = "Chat trip") -> str:
    await register(session)
    project_id = await create_project(session, title)
    await session.goto(f"/chat/{project_id}")
    await expect(session.page.locator("main[data-ready=true]")).to_be_attached()
    return project_id


async def test_a_message_streams_an_answer_and_the_scene_appears(
    chat_session: SessionFactory,
) -> None:
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        await expect(page.get_by_test_id("chat-empty")).to_be_visible()
        await page.get_by_test_id("chat-input").fill("add a scene called Opening")
        await page.get_by_test_id("chat-input").press("Enter")
        await expect(page.get_by_test_id("assistant-message")).to_have_text(
            "Added scene 1 “Opening”."
        )
        await expect(page.get_by_test_id("tool-line")).to_have_text("✓ Created scene 1 “Opening”")
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Opening"])
        await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await session.shot("chat-answer")

        await page.get_by_test_id("chat-input").fill(
            "set the script of scene 1 to Dawn over the bay."
        )
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("assistant-message")).to_have_count(2)
        await expect(page.get_by_test_id("assistant-message").last).to_have_text(
            "Updated the script of scene 1 “Opening”."
        )

        await page.reload()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("user-message")).to_have_text(
            ["add a scene called Opening", "set the script of scene 1 to Dawn over the bay."]
        )
        await expect(page.get_by_test_id("assistant-message")).to_have_count(2)
        await expect(page.get_by_test_id("tool-line")).to_have_count(3)
        await session.shot("chat-history")

        page.once("dialog", lambda dialog: dialog.accept())
        await page.get_by_test_id("new-conversation").click()
        await expect(page.get_by_test_id("chat-empty")).to_be_visible()
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Opening"])
        assert session.unexpected_errors() == []


async def test_stop_cancels_a_slow_turn(chat_session: SessionFactory) -> None:
    async with chat_session(OFFLINE_MODEL_LATENCY_MS=4000) as session:
        page = session.page
        await open_chat(session)
        await page.get_by_test_id("chat-input").fill("add a scene called Never")
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("chat-stop")).to_be_visible()
        await expect(page.get_by_test_id("chat-input")).to_be_disabled()
        await session.shot("chat-running")
        await page.get_by_test_id("chat-stop").click()
        await expect(page.get_by_test_id("chat-stopped")).to_be_visible()
        await expect(page.get_by_test_id("assistant-message")).to_have_count(0)
        await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await page.reload()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("side-scenes")).to_have_text("No scenes yet.")
        await expect(page.get_by_test_id("side-scene")).to_have_count(0)
        await session.shot("chat-stopped")


async def test_hostile_text_stays_inert(chat_session: SessionFactory) -> None:
    async with chat_session() as session:
        page = session.page
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        payload = "<img src=x onerror=alert(1)>"
        await open_chat(session, title=payload)
        await page.get_by_test_id("chat-input").fill(payload + " [link](javascript:alert(2))")
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("user-message")).to_have_text(
            payload + " [link](javascript:alert(2))"
        )
        await expect(page.get_by_test_id("assistant-message")).to_contain_text(
            "I can plan this project with you"
        )
        await page.get_by_test_id("chat-input").fill("show the project")
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("assistant-message").last).to_contain_text(payload)
        assert await page.locator(".chat-log img").count() == 0
        assert await page.locator(".chat-log [onerror]").count() == 0
        assert await page.locator(".chat-log a[href^=javascript]").count() == 0
        assert dialogs == []
        await session.shot("chat-hostile")


async def test_provider_errors_show_with_a_retry(chat_session: SessionFactory) -> None:
    async with chat_session(
        OPENAI_MODEL="offline-1+fault=server_error", OPENAI_MAX_RETRIES=0
    ) as session:
        page = session.page
        await open_chat(session)
        await page.get_by_test_id("chat-input").fill("add a scene called Lost")
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("chat-error")).to_contain_text(
            "The model provider returned an error (500)"
        )
        await expect(page.get_by_test_id("chat-retry")).to_be_visible()
        await expect(page.get_by_test_id("user-message")).to_have_text(["add a scene called Lost"])
        await session.shot("chat-error")
        await page.get_by_test_id("chat-retry").click()
        await expect(page.get_by_test_id("chat-error")).to_have_count(1)
        await expect(page.get_by_test_id("user-message")).to_have_count(2)
