"""The profile page's personal access tokens and assistant approval, in a real browser: a token
is shown once with the MCP address, works as a bearer token, and revoking it ends it."""

import re

import httpx
from playwright.async_api import expect

from tests.e2e.conftest import BrowserSession
from tests.e2e.test_web_app import register


async def test_make_copy_and_revoke_a_token_and_set_the_approval(
    session: BrowserSession,
) -> None:
    page = session.page
    await register(session)
    await session.goto("/profile")
    await expect(page.get_by_test_id("no-tokens")).to_be_visible()

    await page.get_by_label("Name").fill("Claude")
    await page.get_by_label("Access").select_option("read")
    await page.get_by_test_id("make-token").click()
    revealed = page.get_by_test_id("new-token")
    await expect(revealed).to_have_value(re.compile(r"^scp_"))
    token = await revealed.input_value()
    await expect(page.get_by_test_id("token-reveal")).to_contain_text(f"{session.base_url}/mcp")
    rows = page.get_by_test_id("token-row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Claude")
    await expect(rows.first).to_contain_text("Read only")
    await expect(rows.first).to_contain_text("Expires")
    assert token not in await page.get_by_test_id("token-list").inner_text()
    await session.shot("tokens")

    async with httpx.AsyncClient(base_url=session.base_url) as client:
        bearer = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/projects", headers=bearer)).status_code == 200
        assert (
            await client.post("/api/projects", json={"title": "x"}, headers=bearer)
        ).status_code == 403

        approval = page.get_by_test_id("assistant-approval")
        await expect(approval).to_have_value("destructive")
        await approval.select_option("writes")
        await expect(page.get_by_text("Saved")).to_be_visible()
        await page.reload()
        await expect(page.get_by_test_id("assistant-approval")).to_have_value("writes")

        await page.set_viewport_size({"width": 375, "height": 800})
        await session.shot("tokens-narrow")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 375

        page.once("dialog", lambda dialog: dialog.accept())
        await page.get_by_test_id("revoke-token").click()
        await expect(page.get_by_test_id("no-tokens")).to_be_visible()
        assert (await client.get("/api/projects", headers=bearer)).status_code == 401
    assert session.unexpected_errors() == []
