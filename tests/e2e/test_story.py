"""The story dossier on the canvas in a real browser: opened beside the board, built by hand
(add, edit in place, remove), kept across a reload, and showing what was added elsewhere."""

import json

from playwright.async_api import expect

from tests.e2e.conftest import BrowserSession
from tests.e2e.test_storyboard import PHONE
from tests.e2e.test_web_app import create_project, open_canvas, register, reload_canvas


async def test_the_story_panel_builds_the_dossier_by_hand(
    session: BrowserSession,
) -> None:
    page = session.page
    await register(session)
    project_id = await create_project(session, "Lisbon noir")
    await open_canvas(session, project_id)

    await page.get_by_test_id("open-story").click()
    panel = page.get_by_test_id("story-panel")
    await expect(panel).to_be_visible()
    await page.get_by_test_id("story-new-characters").fill("Mara")
    await page.get_by_test_id("story-add-characters").click()
    mara = page.get_by_test_id("story-characters-item")
    await expect(mara).to_have_count(1)
    await expect(mara.get_by_test_id("story-name")).to_have_value("Mara")
    await mara.get_by_test_id("story-description").fill(
        "A retired detective who distrusts everyone"
    )
    await mara.get_by_test_id("story-relationships").fill("Leo's sister\nOld partner of Ines")
    await mara.get_by_test_id("story-arc").click()  # leaving a field saves it
    await expect(page.get_by_test_id("story-state")).to_have_text("Saved")
    for kind, text in [("themes", "Redemption"), ("themes", "Revenge"), ("locations", "Lisbon")]:
        await page.get_by_test_id(f"story-new-{kind}").fill(text)
        await page.get_by_test_id(f"story-new-{kind}").press("Enter")
        await expect(page.get_by_test_id("story-state")).to_have_text("Added")

    # A plot point added elsewhere (another tab, a script) shows when the panel opens again.
    await page.evaluate(
        """async (projectId) => {
            await fetch(`/api/projects/${projectId}/dossier/plot_points`, {
                method: "POST", headers: {"content-type": "application/json"},
                body: JSON.stringify({text: "Mara finds the letter"}),
            });
        }""",
        project_id,
    )
    await page.get_by_test_id("close-story").click()
    await expect(panel).to_be_hidden()
    await page.get_by_test_id("open-story").click()
    await expect(page.get_by_test_id("story-plot_points-item")).to_have_count(1)
    await session.shot("story-panel")

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("story-themes-item").nth(1).get_by_test_id("story-remove").click()
    await expect(page.get_by_test_id("story-themes-item")).to_have_count(1)

    await reload_canvas(page)
    dossier = await page.evaluate(
        "async (id) => (await fetch(`/api/projects/${id}/dossier`)).json()", project_id
    )
    assert [item["text"] for item in dossier["themes"]] == ["Redemption"]
    assert dossier["characters"][0]["relationships"] == ["Leo's sister", "Old partner of Ines"]
    assert dossier["characters"][0]["description"].startswith("A retired detective")
    assert json.dumps(dossier).count("Lisbon") == 1

    await page.get_by_test_id("open-story").click()
    await expect(page.get_by_test_id("story-characters-item")).to_have_count(1)
    await page.set_viewport_size(PHONE)
    await session.shot("story-panel-phone")
    assert session.unexpected_errors() == []
