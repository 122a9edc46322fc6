"""The story dossier on the canvas in a real browser: opened beside the board, built by hand
(add, edit in place, remove), kept across a reload, following changes made elsewhere live, and
in the History with Undo."""

import json

from playwright.async_api import expect

from tests.e2e.conftest import BrowserSession
from tests.e2e.test_live_canvas import api_as, open_live
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

    # A plot point added elsewhere (another tab, a script) shows in the open panel.
    await page.evaluate(
        """async (projectId) => {
            await fetch(`/api/projects/${projectId}/dossier/plot_points`, {
                method: "POST", headers: {"content-type": "application/json"},
                body: JSON.stringify({text: "Mara finds the letter"}),
            });
        }""",
        project_id,
    )
    await expect(page.get_by_test_id("story-plot_points-item")).to_have_count(1)
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


async def test_a_dossier_change_made_elsewhere_shows_in_the_open_panel_and_undoes_from_history(
    session: BrowserSession,
) -> None:
    email = await register(session)
    async with api_as(session, email) as client:
        project = (await client.post("/api/projects", json={"title": "Harbour"})).json()["id"]
        path = f"/api/projects/{project}/dossier"
        page = await open_live(session, project)
        await page.get_by_test_id("open-story").click()
        await expect(page.get_by_test_id("story-panel")).to_be_visible()

        # As the assistant's tools or another tab would: the open panel shows it.
        added = await client.post(f"{path}/characters", json={"name": "Mara"})
        assert added.status_code == 201, added.text
        mara = page.get_by_test_id("story-characters-item")
        await expect(mara.get_by_test_id("story-name")).to_have_value("Mara")

        # Someone typing keeps what they type; what changed meanwhile shows once it is saved.
        description = mara.get_by_test_id("story-description")
        await description.fill("Harbour pilot, owes everyone")
        assert (await client.post(f"{path}/themes", json={"text": "Debt"})).status_code == 201
        await mara.get_by_test_id("story-arc").click()
        await expect(page.get_by_test_id("story-state")).to_have_text("Saved")
        themes = page.get_by_test_id("story-themes-item")
        await expect(themes.get_by_test_id("story-text")).to_have_value("Debt")
        await expect(description).to_have_value("Harbour pilot, owes everyone")
        await session.shot("story-live")

        await page.get_by_test_id("open-history").click()
        items = page.get_by_test_id("history-item")
        await expect(items.first.get_by_test_id("history-summary")).to_have_text(
            "Changed character “Mara”: description"
        )
        await expect(items.nth(1).get_by_test_id("history-summary")).to_have_text(
            "Added theme “Debt”"
        )
        await expect(items.nth(2).get_by_test_id("history-summary")).to_have_text(
            "Added character “Mara”"
        )
        await items.nth(1).get_by_test_id("history-undo").click()
        await expect(items.first.get_by_test_id("history-summary")).to_have_text(
            "Undo: Removed theme “Debt”"
        )
        await expect(items.nth(2).get_by_test_id("history-undone")).to_have_text("Undone")
        await expect(themes).to_have_count(0)
        await expect(description).to_have_value("Harbour pilot, owes everyone")
        await session.shot("story-history")
        await page.set_viewport_size(PHONE)
        await expect(page.get_by_test_id("close-history")).to_be_in_viewport()
        await session.shot("story-history-phone")
        await page.get_by_test_id("close-history").click()
        await session.shot("story-live-phone")
        dossier = (await client.get(path)).json()
        assert [theme["text"] for theme in dossier["themes"]] == []
        assert dossier["characters"][0]["description"] == "Harbour pilot, owes everyone"
    assert session.unexpected_errors() == []
