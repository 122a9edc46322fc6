"""Registration, billing and "not found" in a real browser: what a person sees around the app."""

from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from backend.core.config import Settings
from backend.schemas import common
from tests.conftest import PASSWORD, ThrowawayDatabase, make_settings
from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import register

MESSAGES_PER_DAY = 7


@pytest.fixture
def settings(database: ThrowawayDatabase, tmp_path: Path) -> Settings:
    """A daily quota no page could know unless the server told it."""
    return make_settings(database.url, tmp_path, CHAT_MESSAGES_PER_DAY=MESSAGES_PER_DAY)


async def test_registration_errors_are_short_sentences_next_to_their_field(
    session: BrowserSession,
) -> None:
    page = session.page
    email, password = page.get_by_test_id("email"), page.get_by_test_id("password")
    email_error, password_error = (
        page.get_by_test_id("email-error"),
        page.get_by_test_id("password-error"),
    )
    await session.goto("/register")
    await page.get_by_test_id("submit").click()
    await expect(email_error).to_have_text("Enter your email address")
    await expect(password_error).to_have_text("Enter a password")

    await email.fill("not-an-email")
    await password.fill("short")
    await page.get_by_test_id("submit").click()
    await expect(email_error).to_have_text("Enter a valid email address")
    await expect(password_error).to_have_text("Use at least 8 characters")
    await expect(email).to_have_attribute("aria-invalid", "")
    await expect(email).to_be_focused()
    await expect(page.get_by_test_id("form-error")).to_be_hidden()
    await session.shot("register-field-errors")

    await email.fill("ada@example.com")
    await expect(email_error).to_be_hidden()  # typing clears the field's error
    await page.get_by_test_id("submit").click()
    await expect(email_error).to_be_hidden()
    await expect(password_error).to_have_text("Use at least 8 characters")
    await expect(password).to_be_focused()

    taken = await register(session)
    await page.get_by_test_id("sign-out").click()
    await page.wait_for_url("**/login")
    await session.goto("/register")
    await email.fill(taken)
    await password.fill(PASSWORD)
    await page.get_by_test_id("submit").click()
    await expect(email_error).to_have_text("An account with this email already exists")
    await expect(password_error).to_be_hidden()
    await expect(page.get_by_test_id("form-error")).to_be_hidden()
    await session.shot("register-email-taken")


async def test_billing_tells_the_limits_the_server_enforces(session: BrowserSession) -> None:
    page = session.page
    await register(session)
    await session.goto("/billing")
    await expect(page.get_by_test_id("limit-projects")).to_have_text(
        f"Up to {common.PROJECTS_PER_USER_MAX:,}"
    )
    await expect(page.get_by_test_id("limit-scenes")).to_have_text(
        f"Up to {common.SCENES_PER_PROJECT_MAX:,}"
    )
    await expect(page.get_by_test_id("limit-messages")).to_have_text(
        f"{MESSAGES_PER_DAY} a day (a new day starts at midnight UTC)"
    )
    await expect(page.get_by_text("Unlimited")).to_have_count(0)
    await session.shot("billing")
    await page.set_viewport_size({"width": 375, "height": 800})
    await session.shot("billing-narrow")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    assert session.unexpected_errors() == []


async def test_the_not_found_page_keeps_the_navigation_when_signed_in(
    session: BrowserSession,
) -> None:
    page = session.page
    await session.goto("/no/such/page")
    await expect(page.get_by_test_id("not-found")).to_be_visible()
    await expect(page.get_by_test_id("topbar")).to_be_hidden()
    await expect(page.get_by_test_id("not-found").get_by_role("link")).to_have_text("Sign in")
    # The page itself is a real 404; nothing else fails (no request that could only answer 401).
    assert [e for e in session.unexpected_errors() if "status of 404" not in e] == []

    email = await register(session)
    await session.goto("/no/such/page")
    await expect(page.get_by_test_id("not-found")).to_be_visible()
    await expect(page.get_by_test_id("topbar")).to_be_visible()
    await expect(page.get_by_test_id("user-email")).to_have_text(email)
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link")).to_have_text(["Projects", "Profile", "Billing"])
    await session.shot("not-found-signed-in")
    await page.set_viewport_size({"width": 375, "height": 800})
    await session.shot("not-found-narrow")
    await nav.get_by_role("link", name="Projects").click()
    await page.wait_for_url("**/projects")
    async with httpx.AsyncClient(base_url=session.base_url) as client:
        assert (await client.get("/no/such/page")).status_code == 404
    assert [e for e in session.unexpected_errors() if "status of 404" not in e] == []
