"""The chat page in a real browser, against the real app and the offline model."""

import base64
import json
import re
from typing import Any

import httpx
import httpx2
from openai import AsyncOpenAI
from playwright.async_api import FilePayload, Page, Request, Route, expect

from backend.assistant.offline.app import create_offline_app
from backend.assistant.offline.client import IN_PROCESS_BASE_URL
from tests.e2e.conftest import BrowserSession, SessionFactory
from tests.e2e.test_web_app import create_project, register
from tests.pictures import still
from tests.servers import eventually


async def stored_messages(session: BrowserSession, project_id: str) -> list[dict[str, Any]]:
    """What the server keeps of the conversation, read with the browser's own session."""
    cookie = next(c for c in await session.context.cookies() if c["name"] == "scenecraft_session")
    headers = {"Authorization": f"Bearer {cookie['value']}"}
    async with httpx.AsyncClient(base_url=session.base_url, headers=headers) as client:
        response = await client.get(f"/api/chat/{project_id}/messages")
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


async def send(session: BrowserSession, text: str) -> None:
    await session.page.get_by_test_id("chat-input").fill(text)
    await session.page.get_by_test_id("chat-send").click()


async def reload_chat(session: BrowserSession) -> None:
    await session.page.reload()
    await expect(session.page.locator("main[data-ready=true]")).to_be_attached()


async def open_chat(session: BrowserSession, title: str = "Chat trip") -> str:
    await register(session)
    project_id = await create_project(session, title)
    await session.goto(f"/chat/{project_id}")
    await expect(session.page.locator("main[data-ready=true]")).to_be_attached()
    return project_id


async def test_project_changes_read_in_words_live_and_after_a_reload(
    chat_session: SessionFactory,
) -> None:
    """Tools whose output is a project without scenes (update_project), or a dossier item,
    next to those with scenes: each tool line in words, and the conversation still opens
    after a reload."""
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        messages = (
            "add scenes Dawn and Pier",
            "make it vertical",
            "how long is the film?",
            "add a character called Mara, an old fisherman",
        )
        for message in messages:
            count = await page.get_by_test_id("assistant-message").count()
            await page.get_by_test_id("chat-input").fill(message)
            await page.get_by_test_id("chat-input").press("Enter")
            await expect(page.get_by_test_id("assistant-message")).to_have_count(count + 1)
            await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        lines = [
            "✓ Created scene 1 “Dawn”",
            "✓ Created scene 2 “Pier”",
            "✓ Updated the project “Chat trip”",
            "✓ Read the project (2 scenes)",
            "✓ Added the character “Mara” to the story dossier",
        ]
        await expect(page.get_by_test_id("tool-line")).to_have_text(lines)
        await page.reload()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("tool-line")).to_have_text(lines)
        assert session.console_errors == []


async def test_a_message_streams_an_answer_and_the_scene_appears(
    chat_session: SessionFactory,
) -> None:
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        await expect(page.get_by_test_id("chat-empty")).to_be_visible()
        await page.get_by_test_id("chat-input").fill("add a scene called Opening")
        await page.get_by_test_id("chat-input").press("Enter")
        await expect(page.get_by_test_id("assistant-message")).to_have_text(
            "Added scene 1 “Opening”."
        )
        await expect(page.get_by_test_id("tool-line")).to_have_text("✓ Created scene 1 “Opening”")
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Opening"])
        await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await session.shot("chat-answer")

        await page.get_by_test_id("chat-input").fill(
            "set the script of scene 1 to Dawn over the bay."
        )
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("assistant-message")).to_have_count(2)
        await expect(page.get_by_test_id("assistant-message").last).to_have_text(
            "Updated the script of scene 1 “Opening”."
        )

        await page.reload()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("user-message")).to_have_text(
            ["add a scene called Opening", "set the script of scene 1 to Dawn over the bay."]
        )
        await expect(page.get_by_test_id("assistant-message")).to_have_count(2)
        await expect(page.get_by_test_id("tool-line")).to_have_count(3)
        await session.shot("chat-history")

        await page.get_by_test_id("new-conversation").click()
        await page.wait_for_url("**/chat/*?conversation=*")
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("chat-empty")).to_be_visible()
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Opening"])
        # The earlier conversation is kept, listed with its messages.
        await expect(page.get_by_test_id("conversation-title")).to_have_text(
            ["New conversation", "add a scene called Opening"]
        )
        await page.get_by_test_id("conversation-title").last.click()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("user-message")).to_have_count(2)
        await session.shot("chat-conversations")
        page.once("dialog", lambda dialog: dialog.accept("Structure"))
        await page.get_by_test_id("rename-conversation").click()
        await expect(page.locator(".conversation-list li.open")).to_contain_text("Structure")
        page.once("dialog", lambda dialog: dialog.accept())
        await page.get_by_test_id("delete-conversation").click()
        await page.wait_for_url(re.compile(r"/chat/[0-9a-f-]+$"))
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("conversation-title")).to_have_text(["New conversation"])
        assert session.unexpected_errors() == []


async def test_stop_cancels_a_slow_turn(chat_session: SessionFactory) -> None:
    async with chat_session(OFFLINE_MODEL_LATENCY_MS=4000) as session:
        page = session.page
        await open_chat(session)
        await page.get_by_test_id("chat-input").fill("add a scene called Never")
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("chat-stop")).to_be_visible()
        await expect(page.get_by_test_id("chat-input")).to_be_disabled()
        await session.shot("chat-running")
        await page.get_by_test_id("chat-stop").click()
        await expect(page.get_by_test_id("chat-stopped")).to_be_visible()
        await expect(page.get_by_test_id("assistant-message")).to_have_count(0)
        await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await page.reload()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(page.get_by_test_id("side-scenes")).to_have_text("No scenes yet.")
        await expect(page.get_by_test_id("side-scene")).to_have_count(0)
        await session.shot("chat-stopped")


async def test_hostile_text_stays_inert(chat_session: SessionFactory) -> None:
    async with chat_session() as session:
        page = session.page
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        payload = "<img src=x onerror=alert(1)>"
        await open_chat(session, title=payload)
        await page.get_by_test_id("chat-input").fill(payload + " [link](javascript:alert(2))")
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("user-message")).to_have_text(
            payload + " [link](javascript:alert(2))"
        )
        await expect(page.get_by_test_id("assistant-message")).to_contain_text(
            "I can plan this project with you"
        )
        await page.get_by_test_id("chat-input").fill("show the project")
        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("assistant-message").last).to_contain_text(payload)
        assert await page.locator(".chat-log img").count() == 0
        assert await page.locator(".chat-log [onerror]").count() == 0
        assert await page.locator(".chat-log a[href^=javascript]").count() == 0
        assert dialogs == []
        await session.shot("chat-hostile")


async def test_a_provider_error_gives_the_message_back_instead_of_running_it_twice(
    chat_session: SessionFactory,
) -> None:
    """The server stored the message and its turn failed for good: the page offers the text and
    its pictures back (to send again as a new message), never a resend behind the person's
    back."""
    async with chat_session(
        OPENAI_MODEL="offline-1+fault=server_error", OPENAI_MAX_RETRIES=0
    ) as session:
        page = session.page
        project_id = await open_chat(session)
        await paste(page, "harbour.jpg", still(1))
        await expect(page.get_by_test_id("attachment-status")).to_have_text(["Ready"])
        await send(session, "add a scene called Lost")
        await expect(page.get_by_test_id("chat-error")).to_contain_text(
            "The model provider returned an error (500)"
        )
        await expect(page.get_by_test_id("chat-failed")).to_have_text(
            "This message got no answer. Nothing was changed."
        )
        await expect(page.get_by_test_id("user-message")).to_have_text(["add a scene called Lost"])
        await session.shot("chat-error")
        await page.get_by_test_id("chat-edit-again").click()
        await expect(page.get_by_test_id("chat-input")).to_have_value("add a scene called Lost")
        await expect(page.get_by_test_id("chat-input")).to_be_focused()
        # ... with its picture, back in the tray to send again.
        await expect(page.get_by_test_id("attachment-status")).to_have_text(["Ready"])
        await expect(page.get_by_test_id("attachment").locator("img")).to_have_js_property(
            "complete", True
        )
        stored = await stored_messages(session, project_id)
        assert [(m["role"], m["content"], m["status"]) for m in stored] == [
            ("user", "add a scene called Lost", "failed")
        ]


async def test_retry_after_a_lost_stream_reuses_the_message_id(
    chat_session: SessionFactory,
) -> None:
    """The server got the message and ran it, but the browser lost the stream: Retry sends the
    same client_message_id, so the server answers from its record and nothing runs twice."""
    async with chat_session() as session:
        page = session.page
        project_id = await open_chat(session)
        sent_ids: list[str] = []

        async def cut_after_the_first_event(route: Route) -> None:
            response = await route.fetch()  # the server stores the message and runs the turn
            first_event = (await response.text()).split("\n\n")[0] + "\n\n"
            await route.fulfill(response=response, body=first_event)

        await page.route("**/api/chat/*/stream", cut_after_the_first_event, times=1)

        def record_id(request: Request) -> None:
            if request.url.endswith("/stream"):
                sent_ids.append(json.loads(request.post_data or "{}")["client_message_id"])

        page.on("request", record_id)
        await send(session, "add a scene called Pier")
        await expect(page.get_by_test_id("chat-error")).to_have_text(
            "The connection was lost before the answer arrived.Retry"
        )
        await page.get_by_test_id("chat-retry").click()
        await expect(page.get_by_test_id("assistant-message")).to_have_text("Added scene 1 “Pier”.")
        await expect(page.get_by_test_id("tool-line")).to_have_text(["✓ Created scene 1 “Pier”"])
        await expect(page.get_by_test_id("user-message")).to_have_count(1)
        await expect(page.get_by_test_id("chat-error")).to_have_count(0)
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Pier"])
        await session.shot("chat-retried")

        assert len(sent_ids) == 2
        assert sent_ids[0] == sent_ids[1]
        stored = await stored_messages(session, project_id)
        assert [(m["role"], m["content"]) for m in stored] == [
            ("user", "add a scene called Pier"),
            ("assistant", "Added scene 1 “Pier”."),
        ]


async def test_stop_never_shows_a_network_error(chat_session: SessionFactory) -> None:
    """However the stream ends after Stop (here the connection dies once the server has stopped
    the turn), the page says "Stopped"."""
    async with chat_session(OFFLINE_MODEL_LATENCY_MS=60_000) as session:
        page = session.page
        project_id = await open_chat(session)

        async def die_after_the_server_is_done(route: Route) -> None:
            await route.fetch()  # returns once the server has ended the stream (after Stop)
            await route.abort("connectionreset")

        await page.route("**/api/chat/*/stream", die_after_the_server_is_done)
        await send(session, "add a scene called Never")
        await expect(page.get_by_test_id("chat-stop")).to_be_visible()

        # The stream is held back whole, so the page cannot learn the turn started: wait until
        # the server stored the message (and started its turn) before pressing Stop.
        async def message_stored() -> bool:
            return len(await stored_messages(session, project_id)) == 1

        await eventually(message_stored, what="the message stored")
        async with page.expect_response("**/api/chat/*/cancel") as cancel:
            await page.get_by_test_id("chat-stop").click()
        assert await (await cancel.value).json() == {"cancelled": True}
        await expect(page.get_by_test_id("chat-stopped")).to_have_text(
            "Stopped. Nothing was changed."
        )
        await expect(page.get_by_test_id("chat-error")).to_have_count(0)
        await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await session.shot("chat-stopped-cut")
        stored = await stored_messages(session, project_id)
        assert [m["content"] for m in stored] == ["add a scene called Never"]
        # The held-back stream's callback may still be finishing: let the page close over it.
        await page.unroute_all(behavior="ignoreErrors")


class FailingSecondRound(httpx2.AsyncBaseTransport):
    """The offline model, except that the second model request of the test fails (500): a turn
    whose first round of tools changed the project, then ended without an answer."""

    def __init__(self) -> None:
        self._model = httpx2.ASGITransport(app=create_offline_app())
        self._requests = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self._requests += 1
        if self._requests == 2:
            error = {"message": "The model broke down.", "type": "server_error"}
            return httpx2.Response(500, json={"error": error})
        return await self._model.handle_async_request(request)


async def test_a_failed_turn_shows_what_its_tools_changed_after_a_reload(
    chat_session: SessionFactory,
) -> None:
    """Needs the messages API to report a failed turn's tool calls on its user message."""
    model_client = AsyncOpenAI(
        api_key="offline",
        base_url=IN_PROCESS_BASE_URL,
        http_client=httpx2.AsyncClient(transport=FailingSecondRound()),
        max_retries=0,
    )
    async with chat_session(model_client=model_client, CHAT_ENGINE="chat_completions") as session:
        page = session.page
        await open_chat(session)
        await send(session, "add a scene called Opening")
        marker = "This message got no answer. The change above was kept."
        await expect(page.get_by_test_id("chat-failed")).to_have_text(marker)
        await expect(page.get_by_test_id("chat-error")).to_contain_text("(500)")
        await expect(page.get_by_test_id("tool-line")).to_have_text(["✓ Created scene 1 “Opening”"])
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Opening"])

        await reload_chat(session)
        await expect(page.get_by_test_id("user-message")).to_have_text(
            ["add a scene called Opening"]
        )
        await expect(page.get_by_test_id("tool-line")).to_have_text(["✓ Created scene 1 “Opening”"])
        await expect(page.get_by_test_id("chat-failed")).to_have_text(marker)
        await session.shot("chat-failed-after-reload")
    await model_client.close()


async def test_a_stopped_turn_stays_marked_after_a_reload(chat_session: SessionFactory) -> None:
    """Needs the messages API to report a stopped turn (status "cancelled") on its message."""
    async with chat_session(OFFLINE_MODEL_LATENCY_MS=60_000) as session:
        page = session.page
        await open_chat(session)
        await send(session, "add a scene called Never")
        await expect(page.get_by_test_id("chat-stop")).to_be_visible()
        await page.get_by_test_id("chat-stop").click()
        await expect(page.get_by_test_id("chat-stopped")).to_have_text(
            "Stopped. Nothing was changed."
        )
        await reload_chat(session)
        await expect(page.get_by_test_id("user-message")).to_have_text(["add a scene called Never"])
        await expect(page.get_by_test_id("chat-stopped")).to_have_text(
            "Stopped. Nothing was changed."
        )


async def test_the_help_text_links_its_example_without_the_closing_quote(
    chat_session: SessionFactory,
) -> None:
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        await send(session, "hello")
        answer = page.get_by_test_id("assistant-message")
        await expect(answer).to_contain_text("https://example.com/shot.jpg”")
        link = answer.get_by_role("link")
        await expect(link).to_have_text("https://example.com/shot.jpg")
        await expect(link).to_have_attribute("href", "https://example.com/shot.jpg")
        # Any model text: ASCII, typographic and guillemet quotes stay outside the link.
        rendered = await page.evaluate(
            """async () => {
                const { renderMarkdown } = await import("/static/js/markdown.js");
                const box = document.createElement("div");
                box.append(renderMarkdown('see "https://x.y/z", “https://x.y/a.” or «https://x.y/b»'));
                const links = [...box.querySelectorAll("a")];
                return links.map(a => [a.getAttribute("href"), a.textContent]);
            }"""
        )
        assert rendered == [
            ["https://x.y/z", "https://x.y/z"],
            ["https://x.y/a", "https://x.y/a"],
            ["https://x.y/b", "https://x.y/b"],
        ]
        await session.shot("chat-help-link")


async def test_the_small_screen_chat_opens_at_the_top(chat_session: SessionFactory) -> None:
    async with chat_session() as session:
        page = session.page
        await open_chat(session)
        for title in ("Intro", "Beach", "Sunset", "Credits"):
            await send(session, f"add a scene called {title}")
            await expect(page.get_by_test_id("chat-input")).to_be_enabled()
        await page.set_viewport_size({"width": 375, "height": 700})
        await reload_chat(session)
        await expect(page.get_by_test_id("assistant-message")).to_have_count(4)
        assert await page.evaluate("window.scrollY") == 0
        await expect(page.get_by_test_id("chat-project-title")).to_be_in_viewport()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        await session.shot("narrow-chat")


# --- pictures sent with a message ---------------------------------------------------------------

SEND_FILE = """([how, name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
  const options = { bubbles: true, cancelable: true };
  if (how === "paste") {
    const input = document.querySelector("[data-testid=chat-input]");
    input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, ...options }));
    return;
  }
  const card = document.querySelector(".chat-card");
  for (const type of ["dragover", "drop"]) {
    card.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, ...options }));
  }
}"""


async def paste(page: Page, name: str, data: bytes) -> None:
    """What the browser does when a picture is pasted into the message box."""
    await page.evaluate(SEND_FILE, ["paste", name, base64.b64encode(data).decode()])


async def drop(page: Page, name: str, data: bytes) -> None:
    """What the browser does when a picture is dragged onto the chat and dropped."""
    await page.evaluate(SEND_FILE, ["drop", name, base64.b64encode(data).decode()])


async def test_pictures_are_attached_sent_shown_and_one_goes_on_a_scene(
    chat_session: SessionFactory,
) -> None:
    async with chat_session() as session:
        page = session.page
        project_id = await open_chat(session, "Pictures")
        await send(session, "add scenes Dawn and Beach")
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Dawn", "2. Beach"])

        async with page.expect_file_chooser() as chooser:
            await page.get_by_test_id("attach-button").click()
        await (await chooser.value).set_files(
            FilePayload(name="beach.jpg", mimeType="image/jpeg", buffer=still(1))
        )
        await paste(page, "pasted.jpg", still(2))
        await drop(page, "dropped.jpg", still(3))
        pending = page.get_by_test_id("attachment")
        await expect(pending).to_have_count(3)
        await expect(page.get_by_test_id("attachment-status")).to_have_text(["Ready"] * 3)
        # Taken back: out of the tray, and its upload deleted (it would fill the storage).
        async with page.expect_response(
            lambda response: response.request.method == "DELETE" and "/api/files/" in response.url
        ) as deleted:
            await pending.nth(2).get_by_test_id("attachment-remove").click()
        assert (await deleted.value).status == 204
        await expect(pending).to_have_count(2)
        await page.get_by_test_id("chat-input").fill("use this picture for scene 2")
        await session.shot("attachments-pending")

        await page.get_by_test_id("chat-send").click()
        await expect(page.get_by_test_id("assistant-message").last).to_have_text(
            "Put the picture on scene 2 “Beach”."
        )
        await expect(page.get_by_test_id("attachment-tray")).to_be_hidden()
        sent = page.get_by_test_id("user-message").last
        await expect(sent).to_have_text("use this picture for scene 2")
        thumbnails = sent.get_by_test_id("message-attachment")
        await expect(thumbnails).to_have_count(2)
        for index in range(2):
            await expect(thumbnails.nth(index)).to_have_js_property("complete", True)
            assert await thumbnails.nth(index).evaluate("img => img.naturalWidth") > 0
        stored = await stored_messages(session, project_id)
        assert [a["filename"] for a in stored[-2]["attachments"]] == ["beach.jpg", "pasted.jpg"]
        await session.shot("attachments-sent")

        await page.reload()
        await expect(page.locator("main[data-ready=true]")).to_be_attached()
        await expect(
            page.get_by_test_id("user-message").last.get_by_test_id("message-attachment")
        ).to_have_count(2)

        await page.set_viewport_size({"width": 375, "height": 812})
        await paste(page, "another.jpg", still(4))
        await expect(page.get_by_test_id("attachment-status")).to_have_text(["Ready"])
        await page.get_by_test_id("chat-log").evaluate(
            "log => { log.scrollTop = log.scrollHeight; }"
        )
        await session.shot("attachments-375", full_page=False)
        assert session.unexpected_errors() == []


async def test_a_receipt_undoes_and_redoes_a_turn_and_the_scenes_follow_the_project_live(
    chat_session: SessionFactory,
) -> None:
    """Under an answer that changed the board: what changed, in words, with Undo (then Redo);
    its state survives a reload. The scene list follows changes made anywhere, live."""
    async with chat_session() as session:
        page = session.page
        project_id = await open_chat(session)
        await send(session, "add scenes Dawn and Pier")
        receipt = page.get_by_test_id("receipt")
        await expect(receipt.get_by_test_id("receipt-summary")).to_have_text(
            "Added scene 1 “Dawn”; Added scene 2 “Pier”"
        )
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Dawn", "2. Pier"])
        await session.shot("chat-receipt")

        undo = receipt.get_by_test_id("receipt-undo")
        await undo.click()
        await expect(receipt).to_contain_text("Undone")
        await expect(undo).to_have_text("Redo")
        await expect(page.get_by_test_id("side-scene")).to_have_count(0)
        await undo.click()  # Redo: the undo undone
        await expect(undo).to_have_text("Undo")
        await expect(page.get_by_test_id("side-scene")).to_have_text(["1. Dawn", "2. Pier"])

        # A question changes nothing: no receipt.
        await send(session, "how many scenes do I have?")
        await expect(page.get_by_test_id("assistant-message")).to_have_count(2)
        await expect(page.get_by_test_id("receipt")).to_have_count(1)

        await reload_chat(session)
        await expect(page.get_by_test_id("receipt")).to_have_count(1)
        await expect(page.get_by_test_id("receipt-undo")).to_have_text("Undo")  # redone

        # A change made elsewhere (another tab, a script, MCP) shows in the scene list live.
        cookie = next(
            c for c in await session.context.cookies() if c["name"] == "scenecraft_session"
        )
        async with httpx.AsyncClient(
            base_url=session.base_url, headers={"Authorization": f"Bearer {cookie['value']}"}
        ) as client:
            scenes = (await client.get(f"/api/projects/{project_id}")).json()["scenes"]
            renamed = await client.put(
                f"/api/scenes/{scenes[1]['id']}", json={"title": "Harbour at night"}
            )
            assert renamed.status_code == 200, renamed.text
        await expect(page.get_by_test_id("side-scene")).to_have_text(
            ["1. Dawn", "2. Harbour at night"]
        )
        await page.set_viewport_size({"width": 375, "height": 812})
        await page.get_by_test_id("receipt").scroll_into_view_if_needed()
        await session.shot("chat-receipt-phone", full_page=False)
        assert session.unexpected_errors() == []
