"""Regenerate and edit-and-resend on the chat page, in a real browser against the real app and
the offline model: what they replace folds away, the board follows, a reload shows the same."""

from playwright.async_api import Locator, expect

from tests.e2e.conftest import BrowserSession, SessionFactory
from tests.e2e.test_chat_page import open_chat, reload_chat, send


def visible(session: BrowserSession, testid: str) -> Locator:
    """The messages outside the folds of what was replaced."""
    return session.page.locator(f".chat-log > [data-testid={testid}]")


async def test_regenerate_and_edit_replace_the_last_turn_and_fold_what_they_replaced(
    chat_session: SessionFactory,
) -> None:
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        await send(session, "add a scene called Alpha")
        await expect(page.get_by_test_id("assistant-message")).to_have_text(
            "Added scene 1 “Alpha”."
        )
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Alpha"])
        await expect(page.get_by_test_id("turn-details")).to_have_count(1)

        # Regenerate: the first answer folds away; the scene it added is taken back and made
        # again, so the board still has one Alpha.
        await page.get_by_role("button", name="Regenerate").click()
        await expect(page.get_by_test_id("replaced")).to_have_count(1)
        await expect(page.get_by_test_id("replaced")).to_contain_text("Earlier answer (replaced)")
        await expect(visible(session, "assistant-message")).to_have_text(["Added scene 1 “Alpha”."])
        await expect(page.get_by_test_id("receipt")).to_have_count(2)
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Alpha"])
        await expect(page.get_by_test_id("turn-actions")).to_be_visible()

        # Edit: the message comes back into the box with a banner; sending replaces it.
        await page.get_by_role("button", name="Edit your message").click()
        await expect(page.get_by_test_id("edit-banner")).to_be_visible()
        await expect(page.get_by_test_id("chat-input")).to_have_value("add a scene called Alpha")
        await expect(page.get_by_test_id("turn-actions")).to_be_hidden()
        await session.shot("chat-editing")
        await page.get_by_test_id("chat-input").fill("add a scene called Sunrise")
        await page.get_by_test_id("chat-input").press("Enter")
        await expect(page.get_by_test_id("edit-banner")).to_be_hidden()
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Sunrise"])
        folds = page.locator(".chat-log > [data-testid=replaced]")
        await expect(folds).to_have_count(1)  # the turn folds whole, its earlier answer within
        await expect(folds).to_contain_text("Earlier version of your message (edited)")
        await expect(visible(session, "user-message")).to_have_text(["add a scene called Sunrise"])
        await expect(visible(session, "assistant-message")).to_have_text(
            ["Added scene 1 “Sunrise”."]
        )
        await session.shot("chat-regenerated")

        # After a reload, the same: the folds open to what was said before.
        await reload_chat(session)
        await expect(visible(session, "user-message")).to_have_text(["add a scene called Sunrise"])
        await expect(visible(session, "assistant-message")).to_have_text(
            ["Added scene 1 “Sunrise”."]
        )
        fold = page.locator(".chat-log > [data-testid=replaced]")
        await expect(fold).to_have_count(1)
        await expect(fold.get_by_test_id("user-message")).to_be_hidden()
        await fold.locator(":scope > summary").click()
        await expect(fold.get_by_test_id("user-message")).to_have_text("add a scene called Alpha")
        # Inside: the first answer, and the regenerated one, folded in its turn.
        await expect(fold.get_by_test_id("assistant-message")).to_have_count(2)
        await expect(page.get_by_test_id("turn-details")).to_have_count(3)

        # Cancel leaves the message as it was.
        await page.get_by_role("button", name="Edit your message").click()
        await page.get_by_test_id("edit-cancel").click()
        await expect(page.get_by_test_id("edit-banner")).to_be_hidden()
        await expect(page.get_by_test_id("chat-input")).to_have_value("")
        await expect(page.get_by_test_id("turn-actions")).to_be_visible()
        assert session.unexpected_errors() == []


async def test_an_earlier_conversation_shows_its_own_turn_details(
    chat_session: SessionFactory,
) -> None:
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        await send(session, "add a scene called Alpha")
        await expect(page.get_by_test_id("turn-details")).to_have_count(1)
        await page.get_by_test_id("new-conversation").click()
        await page.wait_for_url("**/chat/*?conversation=*")
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await send(session, "show the project")
        await expect(page.get_by_test_id("turn-details")).to_have_count(1)
        # The first conversation is no longer the project's current one; its answers still show
        # what their turns cost.
        await page.get_by_test_id("conversation-title").last.click()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("user-message")).to_have_text(["add a scene called Alpha"])
        await expect(page.get_by_test_id("turn-details")).to_have_count(1)
        assert session.unexpected_errors() == []
