"""The canvas in a real browser: keyboard reordering, broken pictures, copies, small screens, and
adding a scene while another is open."""

import asyncio

from playwright.async_api import Page, Request, Route, expect

from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import (
    add_scene,
    create_project,
    open_canvas,
    register,
    reload_canvas,
    scene_titles,
)


async def canvas_with_scenes(session: BrowserSession, *titles: str) -> str:
    await register(session)
    project_id = await create_project(session, "Canvas")
    await open_canvas(session, project_id)
    for title in titles:
        await add_scene(session.page, title)
    return project_id


async def test_scene_move_buttons_work_from_the_keyboard(session: BrowserSession) -> None:
    page = session.page
    await canvas_with_scenes(session, "One", "Two", "Three")
    titles = page.get_by_test_id("scene-item-title")

    await page.get_by_role("button", name="Move scene 1 later").focus()
    await page.keyboard.press("Enter")
    await expect(titles).to_have_text(["Two", "One", "Three"])
    # Focus follows the moved scene, so the next press moves it again.
    await expect(page.get_by_role("button", name="Move scene 2 later")).to_be_focused()
    await page.keyboard.press("Space")
    await expect(titles).to_have_text(["Two", "Three", "One"])
    # At the bottom its "down" button is disabled: focus goes to its "up" button.
    await expect(page.get_by_role("button", name="Move scene 3 later")).to_be_disabled()
    await expect(page.get_by_role("button", name="Move scene 3 earlier")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(titles).to_have_text(["Two", "One", "Three"])
    await expect(page.get_by_role("button", name="Move scene 2 earlier")).to_be_focused()
    # The keys moved the scene; they did not select it instead (the last one added still is).
    await expect(page.get_by_test_id("editor-heading")).to_have_text("Scene 3")
    await expect(page.get_by_test_id("project-save-state")).to_have_text("Order saved")
    await session.shot("keyboard-moves")

    await reload_canvas(page)
    assert await scene_titles(page) == ["Two", "One", "Three"]
    assert session.unexpected_errors() == []


async def test_a_broken_picture_looks_broken_and_is_fetched_once(session: BrowserSession) -> None:
    page = session.page
    broken_url = f"{session.base_url}/static/no-such-picture.png"
    fetches: list[str] = []

    def count(request: Request) -> None:
        if request.url == broken_url:
            fetches.append(request.url)

    page.on("request", count)
    await canvas_with_scenes(session, "Pier", "Harbour")
    await page.get_by_test_id("scene-item").first.click()
    await page.get_by_test_id("scene-image-url").fill(broken_url)
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("save-state")).to_have_text("Saved")

    items, preview = page.get_by_test_id("scene-item"), page.get_by_test_id("image-preview")
    first, second = items.first, items.nth(1)
    await expect(first.get_by_test_id("image-broken")).to_be_visible()
    await expect(first.get_by_test_id("image-broken")).to_have_attribute(
        "aria-label", "Image failed to load"
    )
    await expect(preview.get_by_test_id("image-broken")).to_have_text("Can't load image")
    # A scene without a picture keeps the calm "no image" look.
    await expect(second.get_by_test_id("image-missing")).to_be_visible()
    await expect(second.get_by_test_id("image-broken")).to_have_count(0)
    fetched = len(fetches)
    assert fetched >= 1
    await session.shot("broken-picture")

    # Every re-render (select, reorder, save) shows the broken look again without a new fetch.
    await second.click()
    await first.click()
    await page.get_by_role("button", name="Move scene 1 later").click()
    await expect(page.get_by_test_id("scene-item-title")).to_have_text(["Harbour", "Pier"])
    await expect(page.get_by_test_id("project-save-state")).to_have_text("Order saved")
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    await expect(items.nth(1).get_by_test_id("image-broken")).to_be_visible()
    await expect(preview.get_by_test_id("image-broken")).to_be_visible()
    assert await page.locator(f'img[src="{broken_url}"]').count() == 0
    assert len(fetches) == fetched


async def test_a_duplicate_is_titled_as_a_copy_within_the_title_limit(
    session: BrowserSession,
) -> None:
    page = session.page
    await canvas_with_scenes(session, "Beach")
    await page.get_by_test_id("duplicate-scene").click()
    await expect(page.get_by_test_id("scene-item-title")).to_have_text(["Beach", "Beach (copy)"])
    await expect(page.get_by_test_id("scene-title")).to_have_value("Beach (copy)")

    long_title = ("Waves " * 40)[:200]
    await page.get_by_test_id("scene-title").fill(long_title)
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    await page.get_by_test_id("duplicate-scene").click()
    await expect(page.get_by_test_id("scene-item")).to_have_count(3)
    copy_title = await page.get_by_test_id("scene-title").input_value()
    assert len(copy_title) <= 200
    assert copy_title.endswith("… (copy)")
    assert copy_title.startswith(long_title[:150])


SPLIT_WORDS = """title => {
    const text = title.firstChild;
    return [...text.data.matchAll(/\\S+/g)].filter(match => {
        const range = document.createRange();
        range.setStart(text, match.index);
        range.setEnd(text, match.index + match[0].length);
        return range.getClientRects().length > 1;
    }).map(match => match[0]);
}"""


async def title_is_whole(page: Page, index: int) -> tuple[bool, list[str], int]:
    title = page.get_by_test_id("scene-item-title").nth(index)
    fits = await title.evaluate("title => title.scrollWidth <= title.clientWidth")
    lines = await title.evaluate(
        "title => Math.round(title.getBoundingClientRect().height / "
        "parseFloat(getComputedStyle(title).lineHeight))"
    )
    return fits, await title.evaluate(SPLIT_WORDS), lines


async def test_the_small_screen_canvas_wraps_titles_and_scrolls_to_the_editor(
    session: BrowserSession,
) -> None:
    page = session.page
    long_title = "Sunrise over the harbour while the fishing boats leave"
    project_id = await canvas_with_scenes(session, long_title, *[f"Scene {n}" for n in range(2, 9)])
    await page.set_viewport_size({"width": 375, "height": 700})
    await open_canvas(session, project_id)
    await session.shot("narrow-canvas")

    fits, split, lines = await title_is_whole(page, 0)
    assert fits  # nothing hidden behind an ellipsis
    assert split == []  # lines break between words
    assert lines >= 2  # it really wrapped (so the two checks above mean something)

    await page.get_by_test_id("scene-item").nth(6).click()
    await expect(page.get_by_test_id("editor-heading")).to_have_text("Scene 7")
    await expect(page.get_by_test_id("editor-heading")).to_be_in_viewport()
    await expect(page.get_by_test_id("scene-title")).to_be_in_viewport()
    await session.shot("narrow-editor")
    await page.get_by_test_id("close-drawer").click()
    await expect(page.get_by_test_id("scene-item").nth(6)).to_be_focused()
    await expect(page.get_by_test_id("scene-item").nth(6)).to_be_in_viewport()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert session.unexpected_errors() == []


async def test_adding_a_scene_leaves_no_old_scene_open_to_type_into(
    session: BrowserSession,
) -> None:
    """While a new scene is on its way, the drawer is closed: what a person types goes into the
    new scene once it opens, never into the scene shown before (opening the new one would have
    dropped those keystrokes)."""
    page = session.page
    await canvas_with_scenes(session, "One")
    await expect(page.get_by_test_id("scene-title")).to_have_value("One")
    answer = asyncio.Event()

    async def slow_create(route: Route) -> None:
        if route.request.method == "POST":
            await answer.wait()
        await route.continue_()

    await page.route("**/api/projects/*/scenes", slow_create)
    await page.get_by_test_id("add-scene").click()
    await expect(page.get_by_test_id("scene-editor")).to_be_hidden()
    answer.set()
    await expect(page.get_by_test_id("scene-title")).to_have_value("Scene 2")
    await page.unroute("**/api/projects/*/scenes")
    assert await scene_titles(page) == ["One", "Scene 2"]
