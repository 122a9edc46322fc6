"""Approvals on the chat page, in a real browser against the real app and the offline model: a
delete waits with what it would change; Decline keeps the scene, Approve deletes it; with "Ask
before every change" an edit shows its fields before → after."""

from playwright.async_api import expect

from tests.e2e.conftest import SessionFactory
from tests.e2e.test_chat_page import open_chat, reload_chat, send


async def test_a_delete_waits_for_approve_or_decline(chat_session: SessionFactory) -> None:
    async with chat_session() as session:
        page = session.page
        project_id = await open_chat(session)
        for title in ("Alpha", "Beta"):
            await send(session, f"add a scene called {title}")
            await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Alpha", "2. Beta"])

        await send(session, "delete scene 1")
        card = page.get_by_test_id("approval")
        await expect(card).to_be_visible()
        await expect(card.get_by_test_id("approval-summary")).to_have_text(
            "If you approve: Deleted scene 1 “Alpha”"
        )
        await expect(page.get_by_test_id("chat-stop")).to_be_visible()  # the turn waits
        await session.shot("chat-approval")
        await card.get_by_role("button", name="Decline").click()
        await expect(card.get_by_test_id("approval-state")).to_have_text(
            "Declined: nothing was changed"
        )
        await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await expect(page.get_by_test_id("tool-line").last).to_contain_text("✗")
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Alpha", "2. Beta"])

        await send(session, "delete scene 1")
        card = page.get_by_test_id("approval").last
        await card.get_by_role("button", name="Approve").click()
        await expect(card.get_by_test_id("approval-state")).to_have_text("Approved")
        await expect(page.get_by_test_id("assistant-message").last).to_have_text(
            "Deleted scene 1 “Alpha”."
        )
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Beta"])

        # "Ask before every change": a rename shows the field it changes.
        await session.goto("/profile")
        await page.get_by_test_id("assistant-approval").select_option("writes")
        await expect(page.get_by_text("Saved")).to_be_visible()
        await session.goto(f"/chat/{project_id}")
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await send(session, "rename scene 1 to Gamma")
        card = page.get_by_test_id("approval").last
        await expect(card.locator(".approval-fields li")).to_have_text("title Beta → Gamma")
        await session.shot("chat-approval-fields")
        await card.get_by_role("button", name="Approve").click()
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Gamma"])
        assert session.unexpected_errors() == []


async def test_a_question_waiting_when_the_page_reloads_can_still_be_answered(
    chat_session: SessionFactory,
) -> None:
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        await send(session, "add a scene called Alpha")
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Alpha"])
        await send(session, "delete scene 1")
        await expect(page.get_by_test_id("approval")).to_be_visible()
        await reload_chat(session)
        card = page.get_by_test_id("approval")
        await expect(card.get_by_test_id("approval-summary")).to_have_text(
            "If you approve: Deleted scene 1 “Alpha”"
        )
        await card.get_by_role("button", name="Approve").click()
        await expect(page.get_by_test_id("assistant-message").last).to_have_text(
            "Deleted scene 1 “Alpha”."
        )
        await expect(page.get_by_test_id("approval")).to_have_count(0)
        await expect(page.get_by_test_id("side-scenes")).to_have_text("No scenes yet.")
        assert session.unexpected_errors() == []
