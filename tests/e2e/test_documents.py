"""Documents on the canvas in a real browser: a treatment added by the button, searched and
opened at the passage; a Fountain script dropped on the panel and turned into scenes; both
widths."""

import base64

from playwright.async_api import Page, ViewportSize, expect

from tests.documents import FOUNTAIN_SCRIPT, FOUNTAIN_TITLES
from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import create_project, open_canvas, register
from tests.search_fixture import DOCUMENTS

PHONE: ViewportSize = {"width": 375, "height": 812}


async def drop_file(page: Page, selector: str, name: str, data: bytes) -> None:
    """Drop a file on the element, as a browser delivers one dragged from the desktop."""
    await page.evaluate(
        """([selector, name, data]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "" }));
            const target = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
                target.dispatchEvent(new DragEvent(type, options));
            }
        }""",
        [selector, name, base64.b64encode(data).decode()],
    )


async def test_a_treatment_is_added_searched_and_read(session: BrowserSession) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "The Lighthouse")
    await open_canvas(session, project_id)
    await expect(page.locator("[data-testid=documents-panel][data-ready=true]")).to_be_attached()
    await expect(page.get_by_test_id("documents-empty")).to_be_visible()

    await page.get_by_test_id("document-file").set_input_files(
        {
            "name": "treatment.md",
            "mimeType": "text/markdown",
            "buffer": DOCUMENTS["treatment.md"].encode(),
        }
    )
    item = page.get_by_test_id("document-item")
    await expect(item).to_have_count(1)
    await expect(item.locator(".document-name")).to_have_text("treatment.md")
    await expect(page.get_by_test_id("documents-state")).to_contain_text("Added treatment.md")

    await page.get_by_test_id("documents-search").fill("how does the film end")
    await page.get_by_test_id("documents-search-go").click()
    first = page.get_by_test_id("search-result").first
    await expect(first).to_contain_text("treatment.md")
    await expect(first.locator("mark").first).to_be_visible()
    await first.click()
    reader = page.get_by_test_id("document-reader")
    await expect(reader).to_be_visible()
    await expect(page.get_by_test_id("reader-text")).to_contain_text("In the final storm")
    await session.shot("reader")
    await page.get_by_test_id("reader-close").click()
    await expect(reader).to_be_hidden()

    await page.get_by_test_id("documents-search").fill("zeppelin")
    await page.get_by_test_id("documents-search-go").click()
    await expect(page.get_by_test_id("search-none")).to_be_visible()

    await page.set_viewport_size(PHONE)
    await expect(page.get_by_test_id("documents-panel")).to_be_visible()
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    await session.shot("documents-phone")

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("document-delete").click()
    await expect(page.get_by_test_id("documents-empty")).to_be_visible()
    assert session.unexpected_errors() == []


async def test_a_dropped_fountain_script_becomes_scenes(session: BrowserSession) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Script import")
    await open_canvas(session, project_id)
    await expect(page.locator("[data-testid=documents-panel][data-ready=true]")).to_be_attached()
    await drop_file(
        page, "[data-testid=documents-panel]", "lighthouse.fountain", FOUNTAIN_SCRIPT.encode()
    )
    await expect(page.get_by_test_id("document-item")).to_have_count(1)
    await page.get_by_test_id("document-scenes").click()
    await expect(page.get_by_test_id("scene-item")).to_have_count(len(FOUNTAIN_TITLES))
    assert await page.get_by_test_id("scene-item-title").all_inner_texts() == FOUNTAIN_TITLES
    await expect(page.get_by_test_id("documents-state")).to_contain_text("Added 6 scenes")
    await session.shot("imported")
    assert session.unexpected_errors() == []


async def test_a_chat_answer_shows_its_citation_and_opens_the_passage(
    session: BrowserSession,
) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Cited")
    await open_canvas(session, project_id)
    await page.get_by_test_id("document-file").set_input_files(
        {
            "name": "treatment.md",
            "mimeType": "text/markdown",
            "buffer": DOCUMENTS["treatment.md"].encode(),
        }
    )
    await expect(page.get_by_test_id("document-item")).to_have_count(1)

    await session.goto(f"/chat/{project_id}")
    await expect(page.locator("main[data-ready=true]")).to_be_attached()
    await page.get_by_test_id("chat-input").fill("what does the brief say about the ending?")
    await page.get_by_test_id("chat-send").click()
    citation = page.get_by_test_id("citation").first
    await expect(citation).to_contain_text("treatment.md")
    await expect(citation.locator("mark").first).to_be_visible()
    await citation.click()
    await expect(page.get_by_test_id("reader-text")).to_contain_text("In the final storm")
    await session.shot("citation-open")
    await page.get_by_test_id("reader-close").click()

    await page.reload()
    await expect(page.locator("main[data-ready=true]")).to_be_attached()
    await expect(page.get_by_test_id("citation").first).to_contain_text("treatment.md")
    await page.set_viewport_size(PHONE)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    await session.shot("citation-phone")
    assert session.unexpected_errors() == []
