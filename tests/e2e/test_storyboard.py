"""The storyboard in a real browser: a six-scene board built with uploads (button, drop, paste),
reordered by drag and by keyboard, switched to 9:16, with its runtime; and the screenshots of the
board at both sizes."""

import base64
import contextlib
import uuid

import httpx
from playwright.async_api import Page, ViewportSize, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import create_project, open_canvas, register, reload_canvas
from tests.pictures import still

DESKTOP: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 812}


async def titles(page: Page) -> list[str]:
    return await page.get_by_test_id("scene-item-title").all_inner_texts()


async def add_frame(page: Page, title: str, seconds: str, shot: str = "") -> None:
    count = await page.get_by_test_id("scene-item").count()
    await page.get_by_test_id("add-scene").click()
    await expect(page.get_by_test_id("scene-item")).to_have_count(count + 1)
    await expect(page.get_by_test_id("scene-title")).to_have_value(f"Scene {count + 1}")
    await page.get_by_test_id("scene-title").fill(title)
    await page.get_by_test_id("scene-duration").fill(seconds)
    if shot:
        await page.get_by_test_id("scene-shot").select_option(shot)
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("save-state")).to_have_text("Saved")


async def file_event(page: Page, selector: str, kind: str, index: int) -> None:
    """Drop (`drop`) or paste (`paste`) a JPEG made here onto the element, as a browser would
    deliver a file dragged from the desktop or pasted from the clipboard."""
    data = base64.b64encode(still(index, (640, 360))).decode()
    await page.evaluate(
        """([selector, kind, data]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "still.jpg", { type: "image/jpeg" }));
            const target = document.querySelector(selector);
            if (kind === "paste") {
                const options = { clipboardData: transfer, bubbles: true };
                target.dispatchEvent(new ClipboardEvent("paste", options));
                return;
            }
            for (const type of ["dragenter", "dragover", "drop"]) {
                const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
                target.dispatchEvent(new DragEvent(type, options));
            }
        }""",
        [selector, kind, data],
    )


def frame_selector(index: int) -> str:
    return f"[data-testid=scene-item]:nth-child({index + 1})"


async def frame_shape(page: Page, index: int) -> float:
    """The frame's width over height. The board may be redrawn a moment after a change (the
    live stream confirms it), detaching the frame measured: measure the one drawn now."""
    picture = page.get_by_test_id("frame-picture").nth(index)
    for _ in range(50):
        await expect(picture).to_be_visible()
        box = await picture.bounding_box()
        if box is not None:
            return round(box["width"] / box["height"], 2)
        await page.wait_for_timeout(100)
    raise AssertionError(f"frame {index} was never laid out")


async def test_a_six_scene_board_with_uploads_reorder_aspect_and_runtime(
    session: BrowserSession, tmp_path: object
) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Harbour at dawn")
    await open_canvas(session, project_id)
    await expect(page.get_by_test_id("scenes-empty")).to_be_visible()
    await expect(page.get_by_test_id("total-runtime")).to_have_text("0:00")

    # The first frame, from the empty state; its picture by the upload button.
    await page.get_by_test_id("add-first-scene").click()
    await page.get_by_test_id("scene-title").fill("Boats leave")
    await page.get_by_test_id("scene-duration").fill("4")
    await page.get_by_test_id("scene-shot").select_option("extreme_wide")
    await page.get_by_test_id("scene-camera").select_option("drone")
    await page.get_by_test_id("scene-script").fill(
        "EXT. HARBOUR - DAWN. The fishing boats slip out."
    )
    await page.get_by_test_id("scene-audio").fill("Music: low strings")
    await page.get_by_test_id("scene-notes").fill("Shoot at 5:40")
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    await expect(page.get_by_test_id("total-runtime")).to_have_text("0:04")
    picture = tmp_path / "boats.jpg"  # type: ignore[operator]
    picture.write_bytes(still(0))
    await page.get_by_test_id("picture-file").set_input_files(str(picture))
    await expect(page.get_by_test_id("picture-state")).to_have_text("Picture saved")
    first = page.get_by_test_id("scene-item").first
    await expect(first.get_by_test_id("scene-thumb")).to_be_visible()
    assert "/thumbnail" in str(await first.get_by_test_id("scene-thumb").get_attribute("src"))
    await expect(first.get_by_test_id("frame-shot")).to_have_text("Extreme wide")
    await expect(first.get_by_test_id("frame-duration")).to_have_text("4s")

    for title, seconds in (("Gulls", "2.5"), ("Nets", "3"), ("The old man", "6"), ("Sun", "5")):
        await add_frame(page, title, seconds, "close_up" if title == "Nets" else "")
    await add_frame(page, "Horizon", "10")
    await expect(page.get_by_test_id("total-runtime")).to_have_text("0:30.5")
    await expect(page.get_by_test_id("scene-count")).to_have_text("6")

    # A picture dropped onto frame 3, then one pasted onto frame 4 (focused, drawer closed).
    await page.get_by_test_id("close-drawer").click()
    await expect(page.get_by_test_id("scene-editor")).to_be_hidden()
    await file_event(page, frame_selector(2), "drop", 2)
    frames = page.get_by_test_id("scene-item")
    await expect(frames.nth(2).get_by_test_id("scene-thumb")).to_be_visible()
    await frames.nth(3).focus()
    await file_event(page, frame_selector(3), "paste", 3)
    await expect(frames.nth(3).get_by_test_id("scene-thumb")).to_be_visible()
    await expect(page.get_by_test_id("scene-editor")).to_be_hidden()  # dropping opened nothing

    # Reorder by drag: "Horizon" onto the left half of the first frame (once the uploads are
    # done, as a person waits for "Uploading…" to go).
    await expect(page.locator(".frame.uploading")).to_have_count(0)
    first_title = page.get_by_test_id("scene-item-title").first
    for _ in range(3):  # a redraw from the live stream can cancel a drag: drag again, as people do
        await frames.nth(5).drag_to(frames.nth(0), target_position={"x": 10, "y": 60})
        with contextlib.suppress(AssertionError):
            await expect(first_title).to_have_text("Horizon", timeout=2000)
            break
    await expect(first_title).to_have_text("Horizon")
    # Reorder by keyboard: Alt+→ moves the focused frame later, and focus stays on it.
    await frames.nth(0).focus()
    await page.keyboard.press("Alt+ArrowRight")
    await expect(page.get_by_test_id("scene-item-title").nth(1)).to_have_text("Horizon")
    await expect(page.get_by_role("listitem", name="Scene 2: Horizon")).to_be_focused()
    await page.keyboard.press("Alt+ArrowRight")
    expected = ["Boats leave", "Gulls", "Horizon", "Nets", "The old man", "Sun"]
    await expect(page.get_by_test_id("scene-item-title")).to_have_text(expected)
    # The move buttons work from the keyboard too.
    await page.get_by_role("button", name="Move scene 3 earlier").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("scene-item-title").nth(1)).to_have_text("Horizon")
    await page.keyboard.press("Enter")  # focus followed the moved scene
    await expect(page.get_by_test_id("scene-item-title").first).to_have_text("Horizon")
    await expect(page.get_by_test_id("project-save-state")).to_have_text("Order saved")
    await reload_canvas(page)
    assert await titles(page) == ["Horizon", "Boats leave", "Gulls", "Nets", "The old man", "Sun"]

    # The aspect ratio: wide frames become vertical ones, and it is kept.
    assert await frame_shape(page, 0) == 1.78
    await page.get_by_test_id("aspect-9:16").click()
    await expect(page.get_by_test_id("project-save-state")).to_have_text("Saved")
    assert await frame_shape(page, 0) == 0.56
    await reload_canvas(page)
    await expect(page.get_by_test_id("aspect-9:16")).to_have_attribute("aria-checked", "true")
    assert await frame_shape(page, 0) == 0.56

    # The runtime follows a change of duration, against a target.
    await page.get_by_test_id("target-duration").fill("0:30")
    await page.get_by_test_id("target-duration").press("Enter")
    await expect(page.get_by_test_id("project-save-state")).to_have_text("Saved")
    await frames.nth(0).click()
    await page.get_by_test_id("scene-duration").fill("12.5")
    await page.get_by_test_id("save-scene").click()
    await expect(page.get_by_test_id("total-runtime")).to_have_text("0:33")
    await expect(page.locator(".board-header.over-target")).to_be_attached()
    await page.get_by_test_id("view-list").click()
    await expect(page.get_by_test_id("scene-list")).to_have_class("board list")
    await session.shot("six-scene-board-list")
    assert session.unexpected_errors() == []


async def sign_in_with_api(session: BrowserSession) -> httpx.AsyncClient:
    """An account made over HTTP, its session cookie given to the browser: for boards built
    faster than by hand."""
    email = f"board-{uuid.uuid4().hex[:8]}@example.com"
    client = httpx.AsyncClient(base_url=session.base_url)
    await client.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    login = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    token = login.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    await session.context.add_cookies(
        [{"name": "scenecraft_session", "value": token, "url": session.base_url}]
    )
    return client


SCENES = [
    (
        "Boats leave the harbour",
        "extreme_wide",
        "drone",
        4,
        "EXT. HARBOUR - DAWN. Mist on the water; the fishing boats slip out one by one.",
    ),
    ("Gulls", "medium", "pan", 2.5, "The gulls wheel over the masts, crying."),
    ("Nets", "close_up", "handheld", 3, "Hands coil wet rope. Salt on the knuckles."),
    (
        "The old man",
        "medium_close_up",
        "static",
        6,
        "MARTA (70s) watches from the quay, coffee in hand.",
    ),
    ("Sunrise", "wide", "tilt", 5, "The sun clears the breakwater."),
    ("Horizon", "extreme_wide", "dolly", 8, "The last boat becomes a dot on the horizon."),
    ("Café opens", "full", "tracking", 4, "INT. CAFÉ - MORNING. Chairs come down off the tables."),
    ("First customer", "two_shot", "steadicam", 5, "Marta and the owner share a look."),
    ("Radio", "insert", "static", 2, "The old radio crackles: the forecast."),
    ("Storm warning", "pov", "zoom", 3, "Marta's view of the darkening sky."),
    ("Boats return", "wide", "crane", 7, "EXT. HARBOUR - DUSK. The boats race the storm home."),
    ("Safe", "over_the_shoulder", "static", 6, "Over Marta's shoulder: every boat is in."),
]


async def board_of(client: httpx.AsyncClient, title: str, count: int, pictures: bool) -> str:
    project = (
        await client.post(
            "/api/projects",
            json={
                "title": title,
                "description": "A morning in a fishing town, in twelve frames",
                "target_duration_seconds": 60,
            },
        )
    ).json()
    for index, (name, shot, camera, seconds, script) in enumerate(SCENES[:count]):
        scene = await client.post(
            f"/api/projects/{project['id']}/scenes",
            json={
                "title": name,
                "shot_size": shot,
                "camera_movement": camera,
                "duration_seconds": seconds,
                "script": script,
            },
        )
        if pictures:
            uploaded = await client.post(
                f"/api/scenes/{scene.json()['id']}/image",
                files={"file": ("still.jpg", still(index), "image/jpeg")},
            )
            assert uploaded.status_code == 200, uploaded.text
    return str(project["id"])


PICTURES_LOADED = """() => Promise.all([...document.images].map((image) => image.complete ? null
    : new Promise((done) => {
        image.addEventListener("load", done, { once: true });
        image.addEventListener("error", done, { once: true });
    })))"""


async def pictures_loaded(page: Page) -> None:
    """Every picture on the page has loaded (or failed): the page's own events, no polling."""
    await page.evaluate(PICTURES_LOADED)


async def shoot(session: BrowserSession, path: str, label: str) -> None:
    """Screenshots at 1440 × 900 and 375 × 812, every lazy picture loaded first."""
    page = session.page
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        await page.set_viewport_size(size)
        await session.goto(path)
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        await pictures_loaded(page)
        await page.evaluate("window.scrollTo(0, 0)")
        await session.shot(f"{label}-{name}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], (label, name, width)


async def test_board_screenshots_empty_one_twelve_and_the_drawer(session: BrowserSession) -> None:
    page = session.page
    client = await sign_in_with_api(session)
    try:
        empty = (await client.post("/api/projects", json={"title": "Untitled short"})).json()["id"]
        one = await board_of(client, "One frame", 1, pictures=True)
        twelve = await board_of(client, "Harbour at dawn", 12, pictures=True)
    finally:
        await client.aclose()
    await shoot(session, f"/canvas/{empty}", "board-empty")
    await shoot(session, f"/canvas/{one}", "board-one")
    await shoot(session, f"/canvas/{twelve}", "board-twelve")
    await shoot(session, f"/canvas/{twelve}?view=list", "board-twelve-list")
    await shoot(session, "/projects", "projects-covers")
    await expect(
        page.get_by_test_id("project-card").first.get_by_test_id("cover-image").first
    ).to_be_visible()

    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        await page.set_viewport_size(size)
        await open_canvas(session, twelve)
        await page.get_by_test_id("scene-item").nth(3).click()
        await expect(page.get_by_test_id("scene-editor")).to_be_visible()
        await expect(page.get_by_test_id("editor-heading")).to_have_text("Scene 4")
        await expect(page.get_by_test_id("editor-heading")).to_be_in_viewport()
        await expect(page.get_by_test_id("scene-shot")).to_have_value("medium_close_up")
        await pictures_loaded(page)
        await session.shot(f"drawer-{name}", full_page=False)
    assert session.unexpected_errors() == []
