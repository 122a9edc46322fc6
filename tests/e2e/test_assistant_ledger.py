"""The assistant, accounted for, in a real browser: the chat names the assistant and what it
cannot do, each answer has its figures, and the profile runs the live check and shows usage."""

import re

from playwright.async_api import expect

from tests.e2e.conftest import BrowserSession
from tests.e2e.test_chat_page import open_chat, reload_chat


async def test_each_answer_has_its_figures_and_the_chat_names_the_assistant(
    session: BrowserSession,
) -> None:
    page = session.page
    await open_chat(session, "Ledger trip")
    await expect(page.get_by_test_id("assistant-name")).to_have_text("Offline demo model")
    await expect(page.get_by_test_id("assistant-limits")).to_contain_text("cannot see images")

    await page.get_by_test_id("chat-input").fill("add a scene called Opening")
    await page.get_by_test_id("chat-input").press("Enter")
    await expect(page.get_by_test_id("assistant-message")).to_have_text("Added scene 1 “Opening”.")
    details = page.get_by_test_id("turn-details")
    await expect(details).to_have_count(1)
    await expect(details.get_by_test_id("turn-tokens")).not_to_be_visible()  # closed
    await details.locator("summary").click()
    await expect(details.get_by_test_id("turn-model")).to_have_text("offline-1 (assistants)")
    await expect(details.get_by_test_id("turn-tokens")).to_have_text(
        re.compile(r"^[1-9][\d,]* in, [1-9][\d,]* out$")
    )
    await expect(details.get_by_test_id("turn-tool-calls")).to_have_text("1")
    await expect(details.get_by_test_id("turn-time")).to_contain_text("model")
    await session.shot("turn-details")

    # After a reload, the figures come from the ledger, under the same answer.
    await reload_chat(session)
    await expect(page.get_by_test_id("turn-details")).to_have_count(1)
    await expect(
        page.locator("[data-testid=assistant-message] + [data-testid=turn-details]")
    ).to_have_count(1)

    await page.set_viewport_size({"width": 375, "height": 800})
    await page.get_by_test_id("turn-details").locator("summary").click()
    await expect(page.get_by_test_id("turn-status")).to_have_text("completed")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    await session.shot("turn-details-narrow")
    assert session.unexpected_errors() == []


async def check_and_read_usage(session: BrowserSession) -> None:
    page = session.page
    await session.goto("/profile")
    panel = page.get_by_test_id("assistant-panel")
    await expect(panel.get_by_test_id("assistant-summary")).to_contain_text("Offline demo model")
    await expect(panel.get_by_test_id("usage-today")).to_have_text("1 of 500 messages")
    await expect(panel.get_by_test_id("usage-meter")).to_have_attribute("value", "1")

    await panel.get_by_test_id("assistant-check-button").click()
    checks = panel.get_by_test_id("assistant-check")
    await expect(checks).to_have_count(5)
    for name in ("models", "answer", "tools", "streaming"):
        await expect(panel.locator(f"[data-check={name}]")).to_have_attribute("data-ok", "true")
    image = panel.locator("[data-check=image]")
    await expect(image).to_have_attribute("data-ok", "false")
    await expect(image).to_contain_text("cannot see images")
    await session.shot("assistant-check")

    # Asked again at once: the server's refusal is shown, not a broken panel.
    await panel.get_by_test_id("assistant-check-button").click()
    await expect(panel.get_by_test_id("assistant-check-error")).to_contain_text("try again")
    await expect(checks).to_have_count(5)  # the results shown stay


async def test_the_profile_checks_the_assistant_and_shows_usage(
    session: BrowserSession,
) -> None:
    page = session.page
    await open_chat(session, "Usage trip")
    await page.get_by_test_id("chat-input").fill("add a scene called Opening")
    await page.get_by_test_id("chat-input").press("Enter")
    await expect(page.get_by_test_id("turn-details")).to_have_count(1)
    await check_and_read_usage(session)
    await page.set_viewport_size({"width": 375, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await session.shot("assistant-check-narrow")
    # The browser logs the refused second check (429) itself; nothing else went wrong.
    errors = session.unexpected_errors()
    assert [error for error in errors if "status of 429" not in error] == []
    assert len(errors) == 1
