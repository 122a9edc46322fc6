"""The Export menu in a real browser: the PDF's options and their preview, the PDF and the
project file downloaded, and that file imported from the projects page as a new project."""

import json

from playwright.async_api import FilePayload, expect
from pypdf import PdfReader

from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import add_scene, create_project, open_canvas, register


async def test_the_export_menu_downloads_the_pdf_it_previews_and_the_file_imports(
    session: BrowserSession,
) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Export me")
    await open_canvas(session, project_id)
    for title in ("Dawn", "Harbour", "Market"):
        await add_scene(page, title)
    await page.get_by_test_id("close-drawer").click()

    await page.get_by_test_id("export-menu").click()
    panel = page.get_by_test_id("export-panel")
    await expect(panel).to_be_visible()
    await expect(page.get_by_test_id("export-preview-frame")).to_have_count(6)
    await page.get_by_test_id("export-per-page-2").click()
    await page.get_by_test_id("export-orientation-portrait").click()
    await page.get_by_test_id("export-field-notes").uncheck()
    await expect(page.get_by_test_id("export-preview-frame")).to_have_count(2)
    await expect(page.get_by_test_id("export-pages")).to_have_text("3 scenes → 2 pages")
    await expect(page.get_by_test_id("export-preview")).to_have_attribute(
        "data-orientation", "portrait"
    )
    await session.shot("export-menu")

    async with page.expect_download() as pdf_download:
        await page.get_by_test_id("export-pdf").click()
    download = await pdf_download.value
    assert download.suggested_filename == "Export me.pdf"
    reader = PdfReader(await download.path())
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert box.height > box.width  # portrait
    text = " ".join(page_.extract_text() for page_ in reader.pages)
    for title in ("Dawn", "Harbour", "Market", "Page 2 of 2"):
        assert title in text
    await expect(page.get_by_test_id("export-status")).to_have_text("Downloaded")

    # The story dossier as the last page, when ticked.
    await page.get_by_test_id("export-dossier").check()
    await expect(page.get_by_test_id("export-pages")).to_have_text(
        "3 scenes → 2 pages + the story dossier"
    )
    async with page.expect_download() as pdf_download:
        await page.get_by_test_id("export-pdf").click()
    reader = PdfReader(await (await pdf_download.value).path())
    assert len(reader.pages) == 3
    assert "The dossier is empty." in reader.pages[2].extract_text()

    async with page.expect_download() as json_download:
        await page.get_by_test_id("export-json").click()
    project_file = await (await json_download.value).path()
    with project_file.open(encoding="utf-8") as handle:
        assert [scene["title"] for scene in json.load(handle)["scenes"]] == [
            "Dawn",
            "Harbour",
            "Market",
        ]
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()

    await page.set_viewport_size({"width": 375, "height": 812})
    await page.get_by_test_id("export-menu").click()
    await expect(panel).to_be_visible()
    panel_box = await panel.bounding_box()
    assert panel_box is not None
    assert panel_box["x"] >= 0
    assert panel_box["x"] + panel_box["width"] <= 375
    await session.shot("export-menu-phone", full_page=False)
    await page.set_viewport_size({"width": 1440, "height": 900})

    await session.goto("/projects")
    await expect(page.get_by_test_id("project-card")).to_have_count(1)
    await page.get_by_test_id("import-file").set_input_files(str(project_file))
    await expect(page.get_by_test_id("import-status")).to_have_text("Imported “Export me”.")
    await expect(page.get_by_test_id("project-card")).to_have_count(2)

    await page.get_by_test_id("import-file").set_input_files(
        files=FilePayload(name="broken.json", mimeType="application/json", buffer=b"{")
    )
    await expect(page.get_by_test_id("import-status")).to_contain_text("is not a project file")
    bad = {
        "format": "scenecraft.project",
        "version": 1,
        "project": {"title": "B"},
        "scenes": [{"title": "ok"}, {"title": "x", "shot_size": "huge"}],
    }
    await page.get_by_test_id("import-file").set_input_files(
        files=FilePayload(
            name="bad.json", mimeType="application/json", buffer=json.dumps(bad).encode()
        )
    )
    await expect(page.get_by_test_id("import-status")).to_contain_text("scenes[1].shot_size")
    await expect(page.get_by_test_id("project-card")).to_have_count(2)
    refusals = "the server responded with a status of 422"
    assert [error for error in session.unexpected_errors() if refusals not in error] == []
