"""The web app in a real browser: from sign-up to a persisted storyboard, and its failure modes."""

import asyncio
import re
import uuid

import httpx
from playwright.async_api import Dialog, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import BrowserSession
from tests.servers import serve

PROTECTED = ["/projects", "/canvas/{id}", "/chat/{id}", "/profile", "/billing"]


async def register(session: BrowserSession, email: str | None = None) -> str:
    email = email or f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    await session.goto("/register")
    await session.page.get_by_test_id("email").fill(email)
    await session.page.get_by_test_id("password").fill(PASSWORD)
    await session.shot("register")
    await session.page.get_by_test_id("submit").click()
    await session.page.wait_for_url("**/projects")
    await expect(session.page.get_by_test_id("user-email")).to_have_text(email)
    await expect(session.page.locator("main[data-ready=true]")).to_be_attached()
    return email


async def create_project(session: BrowserSession, title: str, description: str = "") -> str:
    page = session.page
    await page.get_by_test_id("new-project-title").fill(title)
    await page.get_by_test_id("new-project-description").fill(description)
    await page.get_by_test_id("create-project").click()
    card = page.get_by_test_id("project-card").first
    await expect(card.get_by_test_id("project-title")).to_have_text(title)
    return str(await card.get_attribute("data-project-id"))


async def scene_titles(page: Page) -> list[str]:
    return await page.get_by_test_id("scene-item-title").all_inner_texts()


async def add_scene(page: Page, title: str) -> None:
    count = await page.get_by_test_id("scene-item").count()
    await page.get_by_test_id("add-scene").click()
    await expect(page.get_by_test_id("scene-item")).to_have_count(count + 1)
    # The new scene's editor (the live stream may show its frame before it opens).
    await expect(page.get_by_test_id("scene-title")).to_have_value(f"Scene {count + 1}")
    await page.get_by_test_id("scene-title").fill(title)
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("save-state")).to_have_text("Saved")


async def open_canvas(session: BrowserSession, project_id: str) -> None:
    await session.goto(f"/canvas/{project_id}")
    await expect(session.page.locator("main[data-ready=true]")).to_be_attached()


async def reload_canvas(page: Page) -> None:
    await page.reload()
    await expect(page.locator("main[data-ready=true]")).to_be_attached()


async def test_storyboard_from_sign_up_to_sign_out(session: BrowserSession) -> None:
    page = session.page
    email = await register(session)
    await expect(page.get_by_test_id("projects-empty")).to_be_visible()
    await session.shot("projects-empty")
    project_id = await create_project(session, "Summer trip", "A 60-second teaser")
    await session.shot("projects")
    await page.get_by_test_id("open-canvas").first.click()
    await expect(page.get_by_test_id("scenes-empty")).to_be_visible()
    await session.shot("canvas-empty")

    for title in ("Opening", "Beach", "Sunset"):
        await add_scene(page, title)
    assert await scene_titles(page) == ["Opening", "Beach", "Sunset"]
    await expect(page.get_by_test_id("no-script")).to_have_count(3)

    await page.get_by_test_id("scene-item").nth(1).click()
    await page.get_by_test_id("scene-script").fill("Waves roll in. Kids run along the shore.")
    await expect(page.get_by_test_id("script-count")).to_have_text("40 / 20,000")
    await page.get_by_test_id("scene-image-url").fill("https://images.example.com/beach.jpg")
    await page.keyboard.press("Control+s")
    await expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    # The image host does not resolve here: the preview shows a placeholder, not a broken icon.
    await expect(page.get_by_test_id("image-preview")).to_contain_text("Can't load image")
    await session.shot("canvas-edited")

    await reload_canvas(page)
    await page.get_by_test_id("scene-item").nth(1).click()
    await expect(page.get_by_test_id("scene-script")).to_have_value(
        "Waves roll in. Kids run along the shore."
    )
    await expect(page.get_by_test_id("scene-image-url")).to_have_value(
        "https://images.example.com/beach.jpg"
    )
    await expect(page.get_by_test_id("no-script")).to_have_count(2)

    # Reorder by drag: Sunset onto the top half of Opening.
    items = page.get_by_test_id("scene-item")
    await items.nth(2).drag_to(items.nth(0), target_position={"x": 40, "y": 4})
    await expect(page.get_by_test_id("scene-item-title").first).to_have_text("Sunset")
    await expect(page.get_by_test_id("project-save-state")).to_have_text("Order saved")
    await reload_canvas(page)
    assert await scene_titles(page) == ["Sunset", "Opening", "Beach"]

    # Reorder with the keyboard-accessible buttons.
    await page.get_by_role("button", name="Move scene 1 later").click()
    await expect(page.get_by_test_id("scene-item-title").first).to_have_text("Opening")
    await page.get_by_role("button", name="Move scene 3 earlier").click()
    await expect(page.get_by_test_id("scene-item-title").nth(1)).to_have_text("Beach")
    await expect(page.get_by_test_id("project-save-state")).to_have_text("Order saved")
    await reload_canvas(page)
    assert await scene_titles(page) == ["Opening", "Beach", "Sunset"]
    await session.shot("canvas-reordered")

    await page.get_by_test_id("scene-item").nth(1).click()
    await page.get_by_test_id("duplicate-scene").click()
    await expect(page.get_by_test_id("scene-item")).to_have_count(4)
    assert await scene_titles(page) == ["Opening", "Beach", "Beach (copy)", "Sunset"]
    await expect(page.get_by_test_id("editor-heading")).to_have_text("Scene 3")

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("delete-scene").click()
    await expect(page.get_by_test_id("scene-item")).to_have_count(3)
    await reload_canvas(page)
    assert await scene_titles(page) == ["Opening", "Beach", "Sunset"]
    await session.shot("canvas-final")

    cookie = next(c for c in await session.context.cookies() if c["name"] == "scenecraft_session")
    await page.get_by_test_id("sign-out").click()
    await page.wait_for_url("**/login")
    assert await page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert "scenecraft_session" not in [c["name"] for c in await session.context.cookies()]
    async with httpx.AsyncClient(base_url=session.base_url) as replay:
        revoked = await replay.get(
            "/api/users/me", headers={"Authorization": f"Bearer {cookie['value']}"}
        )
    assert revoked.status_code == 401  # the token was revoked on the server, not just forgotten
    for path in PROTECTED:
        await session.goto(path.format(id=project_id))
        assert re.search(r"/login\?next=", page.url), page.url
    await session.shot("signed-out")

    await session.goto(f"/canvas/{project_id}")
    await page.get_by_test_id("email").fill(email)
    await page.get_by_test_id("password").fill(PASSWORD)
    await page.get_by_test_id("submit").click()
    await page.wait_for_url(f"**/canvas/{project_id}")
    await expect(page.get_by_test_id("scene-item")).to_have_count(3)
    assert session.unexpected_errors() == []


async def test_hostile_text_is_shown_literally(session: BrowserSession) -> None:
    page = session.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await register(session)
    payload = "<img src=x onerror=alert(1)>"
    project_id = await create_project(session, payload, "<script>alert(2)</script>")
    await expect(page.get_by_test_id("project-title").first).to_have_text(payload)
    await open_canvas(session, project_id)
    await expect(page.get_by_test_id("project-title-input")).to_have_value(payload)
    await add_scene(page, payload)
    await expect(page.get_by_test_id("scene-item-title").first).to_have_text(payload)
    assert await page.locator("img[src=x]").count() == 0
    assert dialogs == []
    await session.shot("hostile-text")


async def test_a_javascript_image_url_is_refused_and_the_text_kept(session: BrowserSession) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Refusals")
    await open_canvas(session, project_id)
    await add_scene(page, "Trap")
    await page.get_by_test_id("scene-script").fill("Text that must survive.")
    await page.get_by_test_id("scene-image-url").fill("javascript:alert(1)")
    await page.get_by_test_id("save-scene").click()
    state = page.get_by_test_id("save-state")
    await expect(state).to_contain_text(
        "Couldn't save: Image URL: image_url must be an absolute http:// or https:// URL"
    )
    await expect(page.get_by_test_id("scene-script")).to_have_value("Text that must survive.")
    await expect(page.get_by_test_id("image-preview")).to_contain_text("Not a web address")
    await session.shot("javascript-url-refused")


async def test_a_save_while_the_server_is_down_shows_the_error_and_keeps_the_text(
    session: BrowserSession, app: object
) -> None:
    """The page is served by one server; the save goes to the same origin after it stopped."""
    page = session.page
    async with serve(app) as other:  # type: ignore[arg-type]
        session.base_url = other
        await register(session)
        project_id = await create_project(session, "Outage")
        await open_canvas(session, project_id)
        await add_scene(page, "Before the outage")
        await page.get_by_test_id("scene-script").fill("Typed while the server was going down.")
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("save-state")).to_have_text(
        "Couldn't save: Can't reach Scenecraft. Check your connection and try again."
    )
    await expect(page.get_by_test_id("scene-script")).to_have_value(
        "Typed while the server was going down."
    )
    await session.shot("server-down")


async def test_unsaved_edits_are_never_lost_silently(session: BrowserSession) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Careful")
    await open_canvas(session, project_id)
    await add_scene(page, "First")
    await add_scene(page, "Second")
    await page.get_by_test_id("scene-script").fill("Draft not saved yet")
    await expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")

    asked: list[str] = []

    async def decline(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", decline)
    await page.get_by_test_id("scene-item").first.click()
    await expect(page.get_by_test_id("editor-heading")).to_have_text("Scene 2")
    assert asked == ["You have unsaved changes to “Second”. Discard them?"]
    await expect(page.get_by_test_id("scene-script")).to_have_value("Draft not saved yet")

    leaving: list[str] = []
    stayed = asyncio.Event()

    async def stay(dialog: Dialog) -> None:
        leaving.append(dialog.type)
        await dialog.dismiss()
        stayed.set()

    page.once("dialog", stay)
    await page.get_by_role("link", name="Projects", exact=True).first.click()
    await asyncio.wait_for(stayed.wait(), timeout=10)
    assert leaving == ["beforeunload"]
    await expect(page.get_by_test_id("scene-script")).to_have_value("Draft not saved yet")
    assert "/canvas/" in page.url


async def test_sign_in_errors_and_no_open_redirect(session: BrowserSession) -> None:
    page = session.page
    email = await register(session)
    await page.get_by_test_id("sign-out").click()
    await page.wait_for_url("**/login")
    await page.get_by_test_id("email").fill(email)
    await page.get_by_test_id("password").fill("not the password")
    await page.get_by_test_id("submit").click()
    await expect(page.get_by_test_id("form-error")).to_have_text("Incorrect email or password")
    await session.shot("wrong-password")

    await session.goto("/login?next=https://evil.example/steal")
    await page.get_by_test_id("email").fill(email)
    await page.get_by_test_id("password").fill(PASSWORD)
    await page.get_by_test_id("submit").click()
    await page.wait_for_url("**/projects")
    assert page.url.startswith(session.base_url)


async def test_profile_billing_and_small_screens(session: BrowserSession) -> None:
    page = session.page
    email = await register(session)
    project_id = await create_project(session, "Pocket")
    await session.goto("/profile")
    await expect(page.get_by_test_id("profile-email")).to_have_text(email)
    await expect(page.get_by_test_id("member-since")).not_to_be_empty()
    await session.shot("profile")
    await session.goto("/billing")
    await expect(page.get_by_test_id("billing-notice")).to_contain_text(
        "Billing is not available yet"
    )
    assert await page.locator("input").count() == 0  # nothing that takes payment details
    await session.shot("billing")

    await page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/projects", f"/canvas/{project_id}", "/profile"):
        await session.goto(path)
        await page.wait_for_load_state("networkidle")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        await session.shot("narrow-" + path.strip("/").split("/")[0])

    async with httpx.AsyncClient(base_url=session.base_url) as client:
        response = await client.get(f"/canvas/{project_id}")
    assert response.status_code == 303


async def test_api_docs_render_offline(session: BrowserSession) -> None:
    """Swagger UI and ReDoc run from our own copies, under their CSP, with no internet."""
    page = session.page
    await session.goto("/docs")
    await expect(page.locator(".opblock").first).to_be_visible()
    assert await page.locator(".opblock").count() >= 20
    await expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    await session.shot("swagger")
    await session.goto("/redoc")
    await expect(page.get_by_text("Plan a video scene by scene").first).to_be_visible()
    await session.shot("redoc")
    assert session.unexpected_errors() == []


async def test_swagger_lists_each_operation_once(session: BrowserSession) -> None:
    page = session.page
    await session.goto("/docs")
    await expect(page.locator(".opblock").first).to_be_visible()
    async with httpx.AsyncClient(base_url=session.base_url) as client:
        spec = (await client.get("/openapi.json")).json()
    operations = [(method.upper(), path) for path, item in spec["paths"].items() for method in item]
    shown = await page.locator(".opblock-summary").evaluate_all(
        """blocks => blocks.map(block => [
            block.querySelector(".opblock-summary-method").textContent.trim(),
            block.querySelector(".opblock-summary-path").dataset.path,
        ])"""
    )
    assert sorted(map(tuple, shown)) == sorted(operations)


async def test_redoc_makes_no_request_the_csp_blocks(session: BrowserSession) -> None:
    """Everything ReDoc asks for comes from this site: no logo from its CDN, no telemetry to its
    collector (which it sends on a timer: the page clock is run forward to fire it)."""
    page = session.page
    elsewhere: list[str] = []
    blocked: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(session.base_url) else elsewhere.append(request.url)
        ),
    )
    page.on(
        "requestfailed",
        lambda request: blocked.append(f"{request.url}: {request.failure}"),
    )
    await page.clock.install()
    await session.goto("/redoc")
    await expect(page.get_by_text("Plan a video scene by scene").first).to_be_visible()
    menu = page.locator("[data-component-name='Menu/MenuItem']")
    await menu.filter(has_text="auth").first.click()
    await menu.filter(has_text="Register User").last.click()
    await expect(page.get_by_role("heading", name="Register User")).to_be_in_viewport()
    await page.clock.run_for(120_000)
    await page.evaluate("1")  # every console message sent before this round trip has arrived
    assert elsewhere == []
    assert blocked == []
    assert [e for e in session.console_errors if "Content Security Policy" in e] == []
    assert session.unexpected_errors() == []


async def test_every_module_a_page_asks_for_was_preloaded(session: BrowserSession) -> None:
    """What the browser actually fetched, against the shell's preload list: a module the shell
    missed would cost the page another round trip (checked here, not by reading imports)."""
    page = session.page
    requested: list[str] = []
    page.on(
        "request",
        lambda request: (
            requested.append(request.url) if request.resource_type == "script" else None
        ),
    )
    await register(session)
    project_id = await create_project(session, "Preloads")
    # Every load fetches every module, as a first visit does.
    devtools = await session.context.new_cdp_session(page)
    await devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
    for path in ("/projects", f"/canvas/{project_id}", f"/chat/{project_id}"):
        requested.clear()
        await session.goto(path)
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        preloaded = await page.eval_on_selector_all(
            "link[rel=modulepreload]", "links => links.map((link) => link.href)"
        )
        fetched = {url for url in requested if not url.endswith("/static/js/main.js")}
        assert len(fetched) > 5, (path, fetched)
        assert fetched <= set(preloaded), (path, fetched - set(preloaded))
