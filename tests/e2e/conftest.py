"""Browser fixtures: Debian's Chromium driven by Playwright against a real uvicorn server."""

import os
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.conftest import ROOT, AppFactory
from tests.servers import CHROMIUM, CHROMIUM_LAUNCH_OPTIONS, serve

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
E2E_DIRECTORY = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives Chromium: marked `browser`, so `-m "not browser"` leaves them out."""
    for item in items:
        if item.path.is_relative_to(E2E_DIRECTORY):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once per session, before any I/O loop
        raise RuntimeError(
            f"{CHROMIUM} is missing: run scripts/test.sh, which installs Debian's chromium"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(**CHROMIUM_LAUNCH_OPTIONS)
        yield launched
        await launched.close()


@pytest.fixture
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@dataclass
class BrowserSession:
    """A page plus what a reviewer wants afterwards: screenshots and the console's errors."""

    page: Page
    context: BrowserContext
    base_url: str
    name: str
    console_errors: list[str] = field(default_factory=list)
    shots: int = 0

    async def shot(self, label: str, *, full_page: bool = True) -> None:
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{label}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)

    def unexpected_errors(self) -> list[str]:
        """Console errors, less the image loads that fail because no image host resolves here."""
        return [error for error in self.console_errors if "ERR_NAME_NOT_RESOLVED" not in error]

    async def goto(self, path: str) -> None:
        await self.page.goto(self.base_url + path)


@pytest.fixture
async def session(
    browser: Browser, live_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[BrowserSession]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live_url)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    browser_session = BrowserSession(page, context, live_url, name)
    page.on(
        "console",
        lambda message: (
            browser_session.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: browser_session.console_errors.append(str(error)))
    yield browser_session
    await context.close()


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
