"""Trying Scenecraft as a guest in a real browser: the banner, the limits, signing up in place."""

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Dialog, expect

from backend.core.config import Settings
from tests.conftest import PASSWORD, ThrowawayDatabase, make_settings
from tests.e2e.conftest import SCREENSHOTS, BrowserSession
from tests.e2e.test_web_app import create_project

GUESTS_PER_ADDRESS = 2


@pytest.fixture
def settings(database: ThrowawayDatabase, tmp_path: Path) -> Settings:
    return make_settings(database.url, tmp_path, GUESTS_PER_ADDRESS=GUESTS_PER_ADDRESS)


async def test_a_guest_tries_it_sees_the_banner_signs_up_and_keeps_the_project(
    session: BrowserSession,
) -> None:
    page = session.page
    await session.goto("/login")
    await session.shot("login-with-guest-option")
    await page.get_by_test_id("try-as-guest").click()
    await page.wait_for_url("**/projects")
    await expect(page.locator("main[data-ready=true]")).to_be_attached()
    banner = page.get_by_test_id("guest-banner")
    await expect(banner).to_contain_text("trying Scenecraft as a guest")
    await expect(banner).to_contain_text("Up to 3 projects and 50 messages")
    await expect(page.get_by_test_id("user-email")).to_have_text("Guest")
    project_id = await create_project(session, "Trial reel", "Made before signing up")
    await session.shot("guest-projects")

    # Signing out of a guest account asks first; saying no keeps everything as it was.
    async def dismiss(dialog: Dialog) -> None:
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await page.get_by_test_id("sign-out").click()
    await expect(banner).to_be_visible()
    await expect(page).to_have_url(f"{session.base_url}/projects")

    await session.goto("/billing")
    await expect(page.get_by_test_id("limit-projects")).to_have_text("Up to 3")
    await session.goto("/profile")
    await expect(page.get_by_test_id("profile-email")).to_have_text("Guest (no email yet)")

    await session.goto("/projects")
    await page.get_by_test_id("guest-sign-up").click()
    await page.wait_for_url("**/register?next=*")
    await expect(page.get_by_test_id("auth-lead")).to_contain_text("stay as they are")
    await expect(page.get_by_test_id("guest-banner")).to_have_count(0)
    email = f"guest-{uuid.uuid4().hex[:8]}@example.com"
    await page.get_by_test_id("email").fill(email)
    await page.get_by_test_id("password").fill(PASSWORD)
    await session.shot("guest-register")
    await page.get_by_test_id("submit").click()
    await page.wait_for_url("**/projects")
    await expect(page.locator("main[data-ready=true]")).to_be_attached()
    await expect(page.get_by_test_id("user-email")).to_have_text(email)
    await expect(page.get_by_test_id("guest-banner")).to_have_count(0)
    card = page.get_by_test_id("project-card")
    await expect(card).to_have_count(1)
    assert await card.get_attribute("data-project-id") == project_id
    await expect(card.get_by_test_id("project-title")).to_have_text("Trial reel")
    await session.goto("/profile")
    await expect(page.get_by_test_id("profile-email")).to_have_text(email)
    assert session.unexpected_errors() == []


async def test_a_throttled_guest_start_says_why_on_the_sign_in_page(
    session: BrowserSession,
) -> None:
    async with httpx.AsyncClient(base_url=session.base_url) as client:
        for _ in range(GUESTS_PER_ADDRESS):  # the same address as the browser
            assert (await client.post("/api/auth/guest")).status_code == 201
    page = session.page
    await session.goto("/login")
    await page.get_by_test_id("try-as-guest").click()
    await expect(page.get_by_test_id("guest-error")).to_contain_text("Too many guest accounts")
    await expect(page.get_by_test_id("try-as-guest")).to_be_enabled()
    await expect(page).to_have_url(f"{session.base_url}/login")
    await session.shot("guest-throttled")


async def test_guest_pages_at_phone_width(browser: Browser, live_url: str) -> None:
    context = await browser.new_context(viewport={"width": 375, "height": 812}, base_url=live_url)
    page = await context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        await page.goto("/login")
        await expect(page.get_by_test_id("try-as-guest")).to_be_visible()
        await page.screenshot(path=str(SCREENSHOTS / "guest-375-login.png"), full_page=True)
        await page.get_by_test_id("try-as-guest").click()
        await page.wait_for_url("**/projects")
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        banner = page.get_by_test_id("guest-banner")
        await expect(banner).to_be_visible()
        box = await banner.bounding_box()
        assert box is not None
        assert box["width"] <= 375
        await page.screenshot(path=str(SCREENSHOTS / "guest-375-projects.png"), full_page=True)
        await page.get_by_test_id("guest-sign-up").click()
        await page.wait_for_url("**/register?next=*")
        await expect(page.get_by_test_id("auth-lead")).to_be_visible()
        await page.screenshot(path=str(SCREENSHOTS / "guest-375-register.png"), full_page=True)
    finally:
        await context.close()
