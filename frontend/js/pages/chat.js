// The chat: history on load, streamed answers, a line per tool call, Stop, Retry, and the
// project's scenes alongside, refreshed when a tool changed them.
import { api, ApiError, describeError, signInUrl } from "../api.js";
import { renderMarkdown } from "../markdown.js";
import { clear, el, loadProject, setTitle, toast } from "../ui.js";

const WRITE_TOOLS = new Set(["create_scene", "update_scene_script", "update_scene_image_url", "update_scene_title", "move_scene", "delete_scene", "update_project"]);
const VERBS = {
  create_scene: "add the scene", update_scene_script: "update the script", update_scene_image_url: "set the image",
  update_scene_title: "rename the scene", move_scene: "move the scene", delete_scene: "delete the scene",
  update_project: "update the project", get_project_details: "read the project",
};

/** One line saying what a finished tool call did, in the user's terms. */
export function describeTool(name, output) {
  let data;
  try {
    data = JSON.parse(output);
  } catch {
    return { ok: false, text: `Couldn't ${VERBS[name] || `run ${name}`}` };
  }
  if (!data.ok) return { ok: false, text: `Couldn't ${VERBS[name] || `run ${name}`}: ${data.error}` };
  const scene = data.scene || {};
  const label = `scene ${Number(scene.order) + 1} “${scene.title}”`;
  const texts = {
    create_scene: `Created ${label}`,
    update_scene_script: `Updated the script of ${label}`,
    update_scene_image_url: `Set the image of ${label}`,
    update_scene_title: `Renamed scene ${Number(scene.order) + 1} to “${scene.title}”`,
    move_scene: `Moved “${scene.title}” to position ${Number(scene.order) + 1}`,
    delete_scene: "Deleted a scene",
    update_project: `Updated the project “${data.project && data.project.title}”`,
    get_project_details: `Read the project (${data.project ? data.project.scenes.length : 0} scenes)`,
  };
  return { ok: true, text: texts[name] || `Ran ${name}` };
}

/** Reads server-sent events from a fetch response, calling onEvent(name, data) for each. */
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary;
    while ((boundary = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) await onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

export async function render(root, { params: [projectId] }) {
  let project = await loadProject(root, projectId);
  if (!project) return;
  setTitle("Chat", project.title);
  let running = false;

  const log = el("div", { class: "chat-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", dataset: { testid: "chat-log" } });
  const emptyLog = el("div", { class: "empty", dataset: { testid: "chat-empty" } },
    el("strong", {}, "Plan this video with the assistant"),
    "Try “add scenes Intro, Beach and Sunset”, “set the script of scene 2 to …” or “show the project”.");
  const input = el("textarea", { id: "chat-input", rows: 2, maxlength: 8000, placeholder: "Ask the assistant… (Enter sends, Shift+Enter for a new line)", "aria-label": "Message to the assistant", dataset: { testid: "chat-input" } });
  const sendButton = el("button", { type: "submit", class: "button", dataset: { testid: "chat-send" } }, "Send");
  const stopButton = el("button", { type: "button", class: "button danger", hidden: true, dataset: { testid: "chat-stop" }, onclick: stop }, "Stop");
  const form = el("form", { class: "chat-form" }, input, sendButton, stopButton);
  const sceneList = el("ol", { class: "side-scenes", dataset: { testid: "side-scenes" } });

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function addBubble(role, text, { failed = false } = {}) {
    emptyLog.hidden = true;
    const bubble = el("div", { class: `bubble ${role}`, dataset: { testid: `${role}-message` } });
    if (role === "assistant") bubble.append(renderMarkdown(text));
    else bubble.textContent = text;
    log.append(bubble);
    if (failed) log.append(el("div", { class: "tool-line failed" }, "This message got no answer."));
    scrollDown();
    return bubble;
  }

  function addToolLine(name) {
    const line = el("div", { class: "tool-line running", dataset: { testid: "tool-line", tool: name } }, `Running ${name}…`);
    log.append(line);
    scrollDown();
    return line;
  }

  function finishToolLine(line, name, output) {
    const { ok, text } = describeTool(name, output);
    line.className = `tool-line ${ok ? "ok" : "failed"}`;
    line.textContent = `${ok ? "✓" : "✗"} ${text}`;
  }

  function addError(message, retry) {
    const box = el("div", { class: "bubble error", role: "alert", dataset: { testid: "chat-error" } },
      el("span", {}, message),
      el("button", { type: "button", class: "button small secondary", dataset: { testid: "chat-retry" }, onclick: () => { box.remove(); retry(); } }, "Retry"));
    log.append(box);
    scrollDown();
  }

  async function refreshScenes() {
    try {
      project = await api(`/api/projects/${project.id}`);
    } catch (error) {
      toast(error.message, "error");
      return;
    }
    sceneList.replaceChildren(...project.scenes.map((scene) =>
      el("li", { dataset: { testid: "side-scene" } }, `${scene.order + 1}. ${scene.title}`)));
    if (!project.scenes.length) sceneList.append(el("li", { class: "hint" }, "No scenes yet."));
  }

  function setRunning(value) {
    running = value;
    input.disabled = value;
    sendButton.hidden = value;
    stopButton.hidden = !value;
    if (!value) input.focus();
  }

  async function stop() {
    stopButton.disabled = true;
    try {
      await api(`/api/chat/${project.id}/cancel`, { method: "POST" });
    } catch (error) {
      toast(error.message, "error");
    } finally {
      stopButton.disabled = false;
    }
  }

  async function send(text) {
    setRunning(true);
    addBubble("user", text);
    const pending = new Map();
    let answer = null;
    let answerText = "";
    let changed = false;
    try {
      const response = await fetch(`/api/chat/${project.id}/stream`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ message: text, client_message_id: crypto.randomUUID() }),
      });
      if (response.status === 401) {
        window.location.assign(signInUrl());
        return;
      }
      if (!response.ok) {
        const data = await response.json().catch(() => null);
        throw new ApiError(response.status, describeError(response.status, data));
      }
      await readEvents(response, async (name, data) => {
        if (name === "tool_call") {
          const lines = pending.get(data.name) || [];
          lines.push(addToolLine(data.name));
          pending.set(data.name, lines);
        } else if (name === "tool_result") {
          const line = (pending.get(data.name) || []).shift() || addToolLine(data.name);
          finishToolLine(line, data.name, data.output);
          if (data.ok && WRITE_TOOLS.has(data.name)) changed = true;
        } else if (name === "delta") {
          answerText += data.text;
          if (!answer) answer = addBubble("assistant", "");
          answer.replaceChildren(renderMarkdown(answerText));
          scrollDown();
        } else if (name === "done") {
          if (data.cancelled) {
            log.append(el("div", { class: "tool-line", dataset: { testid: "chat-stopped" } }, "Stopped. Nothing more was changed."));
          } else {
            if (!answer) answer = addBubble("assistant", data.reply);
            else answer.replaceChildren(renderMarkdown(data.reply));
          }
        } else if (name === "error") {
          addError(data.detail, () => send(text));
        }
      });
    } catch (error) {
      addError(error.message || "The message could not be sent.", () => send(text));
    } finally {
      for (const lines of pending.values()) for (const line of lines) line.remove();
      setRunning(false);
      if (changed) await refreshScenes();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || running) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  async function newConversation() {
    if (running) return;
    if (!window.confirm("Start a new conversation? This one's messages will be deleted (your scenes stay).")) return;
    try {
      await api(`/api/chat/${project.id}`, { method: "DELETE" });
      log.replaceChildren(emptyLog);
      emptyLog.hidden = false;
    } catch (error) {
      toast(error.message, "error");
    }
  }

  clear(root).append(
    el("div", { class: "breadcrumb" }, el("a", { href: "/projects" }, "Projects"), " / ",
      el("a", { href: `/canvas/${project.id}` }, project.title), " / Chat"),
    el("div", { class: "page-header" },
      el("h1", { dataset: { testid: "chat-project-title" } }, project.title),
      el("div", { class: "editor-actions" },
        el("button", { type: "button", class: "button ghost", dataset: { testid: "new-conversation" }, onclick: newConversation }, "New conversation"),
        el("a", { class: "button secondary", href: `/canvas/${project.id}`, dataset: { testid: "open-canvas" } }, "Open the canvas"))),
    el("div", { class: "chat-layout" },
      el("section", { class: "card chat-card" }, log, form),
      el("aside", { class: "card chat-side", "aria-label": "Scenes" }, el("h2", {}, "Scenes"), sceneList)),
  );
  log.append(emptyLog);
  input.focus();

  const history = await api(`/api/chat/${project.id}/messages?limit=200`);
  for (const message of history.messages) {
    if (message.role === "user") {
      addBubble("user", message.content, { failed: message.status === "failed" });
      continue;
    }
    for (const call of message.tool_calls || []) finishToolLine(addToolLine(call.name), call.name, call.output);
    addBubble("assistant", message.content);
  }
  await refreshScenes();
  root.dataset.ready = "true";
}
