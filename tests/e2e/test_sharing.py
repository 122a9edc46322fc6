"""Sharing in a real browser: the owner makes a link on the canvas; a guest with no account opens
`/s/<token>`, sees the board read only and leaves a comment whose name and text are XSS payloads
(shown as text, never run); the owner sees the count on the frame, resolves the comment, and
revokes the link, which then shows nothing."""

from pathlib import Path

from playwright.async_api import Browser, Dialog, Page, expect

from tests.e2e.conftest import SCREENSHOTS, BrowserSession
from tests.e2e.test_storyboard import DESKTOP, PHONE
from tests.e2e.test_web_app import create_project, open_canvas, register, reload_canvas
from tests.pictures import picture

NAME_PAYLOAD = '<img src=x onerror="window.__xss=1">'
BODY_PAYLOAD = "<script>window.__xss=1</script><b>bold?</b> Hold the shot longer"
TITLE_PAYLOAD = '"><svg onload="window.__xss=1">'


async def add_scenes(page: Page, project_id: str) -> None:
    """Two scenes through the API with the browser's own cookie; the first shows an upload."""
    first = await page.request.post(
        f"/api/projects/{project_id}/scenes",
        data={"title": TITLE_PAYLOAD, "script": "INT. HARBOUR - DAWN\nGulls.", "notes": "Fog"},
    )
    assert first.ok, await first.text()
    second = await page.request.post(
        f"/api/projects/{project_id}/scenes", data={"title": "Boats leave"}
    )
    assert second.ok
    shown = await page.request.post(
        f"/api/scenes/{(await first.json())['id']}/image",
        multipart={"file": {"name": "f.png", "mimeType": "image/png", "buffer": picture()}},
    )
    assert shown.ok, await shown.text()


async def no_payload_ran(page: Page) -> None:
    assert await page.evaluate("() => window.__xss === undefined")
    assert await page.locator("img[src=x], svg[onload], script:not([src])").count() == 0


async def test_a_guest_reviews_a_shared_board_and_the_owner_resolves_it(
    session: BrowserSession, browser: Browser
) -> None:
    owner = session.page
    alerts: list[str] = []

    async def refuse(dialog: Dialog) -> None:
        alerts.append(dialog.message)
        await dialog.dismiss()

    await register(session)
    project_id = await create_project(session, "Harbour at dawn", "A guest review")
    await add_scenes(owner, project_id)
    await open_canvas(session, project_id)

    # The owner makes a link that takes comments, and copies its address.
    await owner.get_by_test_id("open-share").click()
    dialog = owner.get_by_test_id("share-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_test_id("share-none")).to_be_visible()
    await expect(dialog.get_by_test_id("share-allow-comments")).to_be_checked()
    await dialog.get_by_test_id("share-expiry").select_option("30")
    await dialog.get_by_test_id("share-create").click()
    await expect(dialog.get_by_test_id("share-item")).to_have_count(1)
    url = await dialog.get_by_test_id("share-url").input_value()
    assert "/s/" in url
    await session.shot("share-dialog")
    await dialog.get_by_test_id("share-close").click()

    # A guest, in a browser with no account, opens the link.
    guest_context = await browser.new_context(viewport=DESKTOP)
    guest = await guest_context.new_page()
    guest.set_default_timeout(10_000)
    guest.on("dialog", refuse)
    errors: list[str] = []
    guest.on("pageerror", lambda error: errors.append(str(error)))
    try:
        response = await guest.goto(url)
        assert response is not None
        assert response.status == 200
        assert response.headers["x-robots-tag"] == "noindex, nofollow"
        robots = guest.locator('meta[name="robots"]')
        await expect(robots).to_have_attribute("content", "noindex, nofollow")
        await expect(guest.locator("main[data-ready=true]")).to_be_attached()
        await expect(guest.get_by_test_id("shared-title")).to_have_text("Harbour at dawn")
        frames = guest.get_by_test_id("scene-item")
        await expect(frames).to_have_count(2)
        await expect(guest.get_by_test_id("scene-item-title").first).to_have_text(TITLE_PAYLOAD)
        # Read only: no editing controls, nothing to drag, no account anywhere.
        for testid in ("move-up", "move-down", "add-scene", "scene-editor", "open-share"):
            assert await guest.get_by_test_id(testid).count() == 0, testid
        assert await frames.first.get_attribute("draggable") is None
        await expect(guest.get_by_test_id("topbar")).to_be_hidden()
        thumb = guest.get_by_test_id("scene-thumb").first
        assert "/api/s/" in str(await thumb.get_attribute("src"))
        await expect(thumb).to_have_js_property("complete", True)
        assert await thumb.evaluate("(img) => img.naturalWidth") > 0
        await session.shot("owner-canvas-before")

        # The guest comments on the first frame with XSS payloads as name and text.
        await frames.first.click()
        panel = guest.get_by_test_id("review-panel")
        await expect(panel).to_be_visible()
        await expect(panel.get_by_test_id("review-script")).to_have_text(
            "INT. HARBOUR - DAWN\nGulls."
        )
        await panel.get_by_test_id("review-send").click()
        await expect(panel.get_by_test_id("review-state")).to_have_text("Write your name first.")
        await panel.get_by_test_id("review-name").fill(NAME_PAYLOAD)
        await panel.get_by_test_id("review-body").fill(BODY_PAYLOAD)
        await panel.get_by_test_id("review-send").click()
        await expect(panel.get_by_test_id("review-state")).to_contain_text("Sent")
        sent = panel.get_by_test_id("review-sent-item")
        await expect(sent).to_have_count(1)
        await expect(sent.locator("strong")).to_have_text(NAME_PAYLOAD)
        await expect(sent.locator("p")).to_have_text(BODY_PAYLOAD)
        await no_payload_ran(guest)
        await guest.screenshot(path=str(_shot(session, "guest-desktop")), full_page=True)
        await guest.set_viewport_size(PHONE)
        await expect(panel).to_be_visible()
        await guest.screenshot(path=str(_shot(session, "guest-phone")), full_page=True)
        await panel.get_by_test_id("close-review").click()
        await expect(panel).to_be_hidden()
        await guest.screenshot(path=str(_shot(session, "guest-phone-board")), full_page=True)

        # The owner sees the count on the frame and the comment as text, and resolves it.
        await reload_canvas(owner)
        badge = owner.get_by_test_id("frame-comments")
        await expect(badge).to_have_count(1)
        await expect(badge).to_have_text("1")
        await expect(owner.get_by_test_id("comments-count")).to_have_text("1")
        await owner.set_viewport_size(PHONE)
        await session.shot("owner-canvas-phone")
        await owner.set_viewport_size(DESKTOP)
        await owner.get_by_test_id("open-comments").click()
        item = owner.get_by_test_id("comment-item")
        await expect(item).to_have_count(1)
        await expect(item.get_by_test_id("comment-author")).to_have_text(NAME_PAYLOAD)
        await expect(item.get_by_test_id("comment-body")).to_have_text(BODY_PAYLOAD)
        await expect(item.get_by_test_id("comment-scene")).to_have_text(f"Scene 1: {TITLE_PAYLOAD}")
        await no_payload_ran(owner)
        await session.shot("comments-panel")
        await item.get_by_test_id("comment-resolve").click()
        await expect(owner.get_by_test_id("comments-state")).to_have_text("Saved")
        await expect(owner.get_by_test_id("comments-empty")).to_have_text(
            "Every comment is resolved."
        )
        await expect(owner.get_by_test_id("frame-comments")).to_have_count(0)
        await expect(owner.get_by_test_id("comments-count")).to_be_hidden()
        listed = await owner.request.get(f"/api/projects/{project_id}/comments")
        assert [c["resolved"] for c in (await listed.json())["comments"]] == [True]
        await owner.get_by_test_id("comments-show-resolved").check()
        await expect(item.get_by_test_id("comment-resolve")).to_have_text("Reopen")
        await owner.get_by_test_id("comments-close").click()

        # The owner revokes the link: the guest's next load shows nothing of the board.
        owner.on("dialog", lambda d: d.accept())
        await owner.get_by_test_id("open-share").click()
        await owner.get_by_test_id("share-revoke").click()
        await expect(owner.get_by_test_id("share-none")).to_be_visible()
        response = await guest.reload()
        assert response is not None
        assert response.status == 404
        await expect(guest.get_by_test_id("share-missing")).to_be_visible()
        assert await guest.get_by_test_id("scene-item").count() == 0
        assert alerts == []
        assert errors == []
    finally:
        await guest_context.close()
    assert session.unexpected_errors() == []


def _shot(session: BrowserSession, label: str) -> Path:
    """Where the guest's page (another browser context than `session`) saves a screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{session.name}-{label}.png"
