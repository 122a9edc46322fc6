// The chat: history on load, streamed answers, a line per tool call, a receipt with Undo under
// each answer that changed something, Stop, Retry, Regenerate and Edit for the last turn (what
// they replace folded away), and the project's scenes alongside, following the project live
// (the assistant's changes, and anyone else's).
import { api, ApiError, describeError, signInUrl } from "../api.js";
import { assistantBadge, turnLedger } from "../components/assistant-ledger.js";
import { createConversationList } from "../components/conversation-list.js";
import { renderMarkdown } from "../markdown.js";
import { clear, counted, el, loadProject, setTitle, shortened, toast } from "../ui.js";
import { KINDS } from "../dossier.js";
import { renderCitations } from "../components/citations.js";
import { attachmentRow, createAttachmentTray } from "../components/chat-attachments.js";
import { followProject } from "../components/live.js";
import { turnReceipt } from "../components/receipt.js";
import { editBanner, foldReplaced, turnActions } from "../components/chat-revisions.js";
import { approvalCard } from "../components/approval-card.js";

const NARROW = window.matchMedia("(max-width: 820px)");
// The tools that change the board (the scene panel reloads after them), then every writing tool.
const BOARD_TOOLS = new Set(["create_scene", "update_scene_script", "update_scene_image_url", "update_scene_title", "move_scene", "delete_scene", "update_scene", "update_project", "import_scenes_from_document"]);
const WRITE_TOOLS = new Set([...BOARD_TOOLS, "add_dossier_item", "update_dossier_item", "remove_dossier_item"]);
const VERBS = {
  create_scene: "add the scene", update_scene_script: "update the script", update_scene_image_url: "set the image",
  update_scene_title: "rename the scene", move_scene: "move the scene", delete_scene: "delete the scene",
  update_scene: "update the scene", update_project: "update the project", get_project_details: "read the project",
  search_documents: "search the documents", read_document: "read the document",
  import_scenes_from_document: "make scenes from the document", list_documents: "list the documents",
  get_dossier: "read the story dossier", add_dossier_item: "add to the story dossier",
  update_dossier_item: "change the story dossier", remove_dossier_item: "remove from the story dossier",
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
  const done = `Done: ${VERBS[name] || name}`;
  // An output cut at the registry's bound keeps only a prefix, and none of its fields.
  if (data.truncated) return { ok: true, text: done };
  const scene = data.scene || {};
  const label = `scene ${Number(scene.order) + 1} “${scene.title}”`;
  // A dossier item by its kind's word and its naming field: character “Mara”.
  const kind = KINDS.find((each) => each.name === data.kind);
  const item = () => `${kind.singular} “${shortened(String(data.item[kind.label]), 60)}”`;
  // Each tool's words read only its own output's fields (update_project's project has no scenes).
  const texts = {
    create_scene: () => `Created ${label}`,
    update_scene_script: () => `Updated the script of ${label}`,
    update_scene_image_url: () => `Set the image of ${label}`,
    update_scene_title: () => `Renamed scene ${Number(scene.order) + 1} to “${scene.title}”`,
    move_scene: () => `Moved “${scene.title}” to position ${Number(scene.order) + 1}`,
    delete_scene: () => "Deleted a scene",
    update_scene: () => `Updated ${label}`,
    update_project: () => `Updated the project “${data.project.title}”`,
    get_project_details: () => `Read the project (${counted(data.project.scenes.length, "scene")})`,
    search_documents: () => `Searched the documents (${counted(data.results.length, "passage")} found)`,
    read_document: () => `Read “${data.document.filename}”`,
    import_scenes_from_document: () => `Made ${counted(data.scene_count, "scene")} from the document`,
    list_documents: () => `Listed the documents (${counted(data.documents.length, "document")})`,
    get_dossier: () => "Read the story dossier",
    add_dossier_item: () => `Added the ${item()} to the story dossier`,
    update_dossier_item: () => `Changed the ${item()} in the story dossier`,
    remove_dossier_item: () => `Removed a ${kind.singular} from the story dossier`,
  };
  let text;
  try {
    text = texts[name] ? texts[name]() : done;
  } catch {
    text = done; // an output of another shape (from an older version, say)
  }
  return { ok: true, text };
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
  // The conversation on the page: `?conversation=<id>`, else the project's current one (none
  // before the first message, which starts it).
  const conversationsPath = `/api/projects/${project.id}/conversations`;
  let conversations = await api(conversationsPath);
  const asked = new URLSearchParams(window.location.search).get("conversation");
  let conversation = conversations.find((item) => item.id === asked) || conversations.find((item) => item.is_current) || null;
  if (asked && (!conversation || conversation.id !== asked)) toast("That conversation no longer exists: here is the current one.");
  const chatPath = () => (conversation ? `/api/conversations/${conversation.id}` : `/api/chat/${project.id}`);
  const ledger = turnLedger(() => `${chatPath()}/turns`);
  const chatPage = (id) => `/chat/${project.id}${id ? `?conversation=${id}` : ""}`;
  const conversationList = createConversationList({
    projectId: project.id,
    onNew: async () => {
      if (running) return;
      try {
        const created = await api(conversationsPath, { method: "POST", body: {} });
        window.location.assign(chatPage(created.id));
      } catch (error) {
        toast(`Couldn't start a conversation: ${error.message}`, "error");
      }
    },
    onRename: async () => {
      const title = window.prompt("Name this conversation", conversation.title);
      if (title === null || !title.trim()) return;
      try {
        await api(`/api/conversations/${conversation.id}`, { method: "PATCH", body: { title } });
        await refreshConversations();
      } catch (error) {
        toast(`Couldn't rename: ${error.message}`, "error");
      }
    },
    onDelete: async () => {
      if (running || !window.confirm(`Delete the conversation “${conversation.title}” and its messages? Your scenes stay.`)) return;
      try {
        await api(`/api/conversations/${conversation.id}`, { method: "DELETE" });
        window.location.assign(chatPage(null));
      } catch (error) {
        toast(`Couldn't delete: ${error.message}`, "error");
      }
    },
  });

  /** After a turn: counts and order change, and a first message has started a conversation. */
  async function refreshConversations() {
    try {
      conversations = await api(conversationsPath);
    } catch {
      return; // the list is a convenience; the chat itself goes on
    }
    const id = conversation ? conversation.id : null;
    conversation = conversations.find((item) => item.id === id) || conversations.find((item) => item.is_current) || null;
    conversationList.render(conversations, conversation && conversation.id);
  }

  const log = el("div", { class: "chat-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", dataset: { testid: "chat-log" } });
  const emptyLog = el("div", { class: "empty", dataset: { testid: "chat-empty" } },
    el("strong", {}, "Plan this video with the assistant"),
    "Try “add scenes Intro, Beach and Sunset”, “set the script of scene 2 to …” or “show the project”.");
  // The keys' hint only where it fits (a phone's box is two short lines).
  const placeholder = window.matchMedia("(max-width: 640px)").matches ? "Ask the assistant…" : "Ask the assistant… (Enter sends, Shift+Enter for a new line)";
  const input = el("textarea", { id: "chat-input", rows: 2, maxlength: 8000, placeholder, "aria-label": "Message to the assistant", dataset: { testid: "chat-input" } });
  const sendButton = el("button", { type: "submit", class: "button", dataset: { testid: "chat-send" } }, "Send");
  const stopButton = el("button", { type: "button", class: "button danger", hidden: true, dataset: { testid: "chat-stop" }, onclick: stop }, "Stop");
  const card = el("section", { class: "card chat-card" });
  const attachments = createAttachmentTray({
    dropZone: card,
    pasteTarget: input,
    onChange: () => { sendButton.disabled = attachments.uploading; },
  });
  const form = el("form", { class: "chat-form" }, attachments.button, attachments.chooser, input, sendButton, stopButton);
  const sceneList = el("ol", { class: "side-scenes", dataset: { testid: "side-scenes" } });

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  /** A message; a user's shows the pictures sent with it (`[{file_id, filename}]`) under it. */
  function addBubble(role, text, pictures = []) {
    emptyLog.hidden = true;
    const bubble = el("div", { class: `bubble ${role}`, dataset: { testid: `${role}-message` } });
    if (role === "assistant") bubble.append(renderMarkdown(text));
    else bubble.append(text, attachmentRow(pictures) || "");
    log.append(bubble);
    scrollDown();
    return bubble;
  }

  /** The sources an answer rests on, under it. */
  function addCitations(message) {
    const sources = message && renderCitations(message.citations);
    if (sources) { log.append(sources); scrollDown(); }
  }

  /** What an answer changed, with Undo (`changeSetId`: the turn's change set, or null). */
  function addReceipt(changeSetId) {
    if (!changeSetId) return;
    log.append(turnReceipt(changeSetId, { onChange: refreshScenesSoon }));
    scrollDown();
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

  function showToolCalls(calls) {
    for (const call of calls || []) finishToolLine(addToolLine(call.name), call.name, call.output);
  }

  /** A failed turn; `action` is {label, testid, run}: Retry the same message, or edit it again. */
  function addError(message, action) {
    const box = el("div", { class: "bubble error", role: "alert", dataset: { testid: "chat-error" } },
      el("span", {}, message),
      el("button", { type: "button", class: "button small secondary", dataset: { testid: action.testid }, onclick: () => action.run(box) }, action.label));
    log.append(box);
    scrollDown();
  }

  /** What the tools of an unfinished turn changed, in a sentence; "" when nobody told us. */
  function keptChanges(toolCalls) {
    if (!toolCalls) return "";
    const changes = toolCalls.filter((call) => call.ok && WRITE_TOOLS.has(call.name)).length;
    if (!changes) return " Nothing was changed.";
    return changes === 1 ? " The change above was kept." : ` The ${changes} changes above were kept.`;
  }

  /** The line that ends a turn with no answer: stopped, or failed (shown again after a reload). */
  function addTurnMarker(status, toolCalls) {
    const stopped = status === "cancelled";
    log.append(el("div", { class: `turn-marker ${stopped ? "stopped" : "failed"}`, dataset: { testid: stopped ? "chat-stopped" : "chat-failed" } },
      `${stopped ? "Stopped." : "This message got no answer."}${keptChanges(toolCalls)}`));
    scrollDown();
  }

  // One read at a time: changes that arrive meanwhile are read together once it is done.
  let reading = null;
  let readAgain = false;

  function refreshScenesSoon() {
    if (reading) { readAgain = true; return; }
    reading = refreshScenes().finally(() => {
      reading = null;
      if (readAgain) { readAgain = false; refreshScenesSoon(); }
    });
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
    stopButton.disabled = false;
    if (!value) input.focus();
    showActions();
  }

  // Stop is asked of the server; if the turn did not exist yet when it asked (the stream had not
  // started), it asks again as soon as the stream says the message is stored.
  let stopRequested = false;

  async function requestCancel() {
    try {
      await api(`${chatPath()}/cancel`, { method: "POST" });
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function stop() {
    stopRequested = true;
    stopButton.disabled = true;
    requestCancel();
  }

  // The last turn, for Regenerate and Edit: its user message (bubble, id, text, pictures) and
  // whether it got an answer; null before the first.
  let lastTurn = null;
  let editing = false;
  const actions = turnActions({ onRegenerate: () => regenerateLast(null), onEdit: () => startEditing() });
  const banner = editBanner({ onCancel: stopEditing });

  function showActions() {
    actions.show(log, Boolean(lastTurn && lastTurn.id) && !running && !editing, { answered: lastTurn && lastTurn.answered });
    if (!actions.node.hidden) scrollDown();
  }

  /** `text`: what goes into the box (the message as sent, or an edit the server refused). */
  function startEditing(text = lastTurn && lastTurn.text) {
    if (running || !lastTurn) return;
    editing = true;
    banner.hidden = false;
    attachments.button.hidden = true; // the edited message keeps the pictures it was sent with
    input.value = text;
    input.focus();
    showActions();
  }

  /** Out of edit mode; the box keeps what it holds (a turn sending it takes it from there). */
  function leaveEditing() {
    editing = false;
    banner.hidden = true;
    attachments.button.hidden = false;
  }

  function stopEditing() {
    leaveEditing();
    input.value = "";
    showActions();
  }

  /** The nodes of the log after `node` (or from its start). */
  function nodesAfter(node) {
    const nodes = [];
    for (let next = node ? node.nextSibling : log.firstChild; next; next = next.nextSibling) nodes.push(next);
    return nodes.filter((item) => item !== actions.node);
  }

  /**
   * Sends one message and follows its stream. `attempt` is the message as the server knows it:
   * its client_message_id (a retry sends the same one, so a message the server already stored is
   * answered from the server's record instead of running again) and its bubble.
   */
  function send(text, attempt) {
    attempt.bubble ||= addBubble("user", text, attempt.pictures);
    // The server stored the message and its turn failed for good: the same id would only replay
    // that failure, and a new one would run the tools again, so the person decides (the text goes
    // back into the box, to send as it is or changed).
    const editAgain = {
      label: "Edit and send again", testid: "chat-edit-again",
      run: () => { input.value = text; attachments.putBack(attempt.pictures || []); input.focus(); },
    };
    return runTurn({
      path: "stream",
      body: { message: text, client_message_id: attempt.clientMessageId, attachments: attempt.pictures.map((item) => item.file_id) },
      onStored: (stored) => ({ bubble: attempt.bubble, stored }),
      retry: () => send(text, attempt),
      failed: editAgain,
    });
  }

  /** Answer the last message again, or (`edited`: its new text) the edited message. What they
   * replace is folded once the server has taken the request. */
  function regenerateLast(edited) {
    const turn = lastTurn;
    return runTurn({
      path: "regenerate/stream",
      body: edited === null ? {} : { message: edited },
      onStored: (stored) => {
        // A new message stands in for an edited (or never answered) one: the whole turn folds.
        const replacedMessage = stored.id !== turn.id;
        const nodes = nodesAfter(replacedMessage ? turn.bubble.previousSibling : turn.bubble);
        const kind = !replacedMessage ? "answer" : edited === null ? "retried" : "edited";
        if (nodes.length) foldReplaced(nodes, kind);
        const bubble = replacedMessage ? addBubble("user", stored.content, stored.attachments) : turn.bubble;
        return { bubble, stored };
      },
      retry: () => regenerateLast(edited),
      failed: { label: "Try again", testid: "chat-retry", run: (box) => { box.remove(); regenerateLast(null); } },
    });
  }

  /** A followed turn (a retry of one still running) sends no tool results: the calls it ended
   * with settle the questions it asked, each by its call (same name and arguments). */
  function settleQuestions(asking, calls) {
    for (const call of calls) {
      const questions = asking.get(call.name) || [];
      const index = questions.findIndex((asked) => JSON.stringify(asked.arguments) === JSON.stringify(call.arguments));
      if (index >= 0) questions.splice(index, 1)[0].card.close(call.ok);
    }
  }

  /** One turn's stream, from the request to its end. `onStored(message)` runs when the server
   * has stored the user message (the `message` event) and says which bubble is the turn's. */
  async function runTurn({ path, body, onStored, retry, failed }) {
    setRunning(true);
    stopRequested = false;
    const wasEditing = editing;
    if (editing) leaveEditing();
    const pending = new Map();
    const results = [];
    // Tool name → its questions ({ card, arguments }), oldest first. The turn runs writes one at
    // a time in order and a held call's result comes before the next write is asked about, so
    // the first question of a name is the one its next result answers.
    const asking = new Map();
    let answer = null;
    let answerText = "";
    let ended = false;
    let turn = null;
    try {
      const response = await fetch(`${chatPath()}/${path}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
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
        if (name === "message") {
          const { bubble, stored } = onStored(data);
          turn = { bubble, id: stored.id, text: stored.content, pictures: stored.attachments || [], answered: false };
          lastTurn = turn;
          if (stopRequested) await requestCancel();
        } else if (name === "tool_call") {
          const lines = pending.get(data.name) || [];
          lines.push(addToolLine(data.name));
          pending.set(data.name, lines);
        } else if (name === "approval_required") {
          const card = approvalCard(data, {
            onAnswer: (approve) => api(`${chatPath()}/approvals/${data.approval_id}`, { method: "POST", body: { approve } }),
          });
          asking.set(data.name, [...(asking.get(data.name) || []), { card, arguments: data.arguments }]);
          const line = (pending.get(data.name) || [])[0];
          if (line) line.textContent = `Waiting for your OK to ${VERBS[data.name] || `run ${data.name}`}…`;
          log.append(card.node);
          scrollDown();
        } else if (name === "tool_result") {
          const asked = (asking.get(data.name) || []).shift();
          if (asked) asked.card.close(data.ok);
          const line = (pending.get(data.name) || []).shift() || addToolLine(data.name);
          finishToolLine(line, data.name, data.output);
          results.push(data);
        } else if (name === "delta") {
          answerText += data.text;
          if (!answer) answer = addBubble("assistant", "");
          answer.replaceChildren(renderMarkdown(answerText));
          scrollDown();
        } else if (name === "done") {
          ended = true;
          // A retry answered from the server's record gets no live tool events: show the calls.
          if (!results.length && data.tool_calls.length) {
            showToolCalls(data.tool_calls);
            results.push(...data.tool_calls);
            settleQuestions(asking, data.tool_calls);
          }
          if (data.cancelled) {
            addTurnMarker("cancelled", data.tool_calls);
          } else {
            if (!answer) answer = addBubble("assistant", data.reply);
            else answer.replaceChildren(renderMarkdown(data.reply));
            const reply = data.messages.find((message) => message.role === "assistant");
            if (reply) ledger.attachLatest(answer, reply.id);
            addCitations(reply);
            addReceipt(data.change_set_id);
            if (turn) turn.answered = true;
          }
        } else if (name === "error") {
          ended = true;
          addTurnMarker("failed", results);
          addError(data.detail, failed);
        }
      });
      if (!ended) throw new ApiError(0, "The connection was lost before the answer arrived.");
    } catch (error) {
      if (!turn && path !== "stream") {
        // Refused before anything changed (a reply running, changes in the way): say why.
        toast(error.message || "Couldn't answer again.", "error");
        if (wasEditing) startEditing(body.message);
      } else if (turn && path !== "stream" && !stopRequested) {
        // The server took it: asking again would replace that turn too. Show what it did.
        addError(error.message || "The connection was lost.", { label: "Show what happened", testid: "chat-reload", run: () => showStoredConversation() });
      } else if (stopRequested) {
        // After Stop, however the stream ended, the turn was stopped: never a network error.
        addTurnMarker("cancelled", results);
      } else {
        addError(error.message || "The message could not be sent.", { label: "Retry", testid: "chat-retry", run: (box) => { box.remove(); retry(); } });
      }
    } finally {
      for (const lines of pending.values()) for (const line of lines) line.remove();
      for (const questions of asking.values()) for (const { card } of questions) card.close(false);
      setRunning(false);
      await refreshConversations();
      if (results.some((result) => result.ok && BOARD_TOOLS.has(result.name))) refreshScenesSoon();
    }
  }

  /** The question a turn this page is not following waits on (it runs in another tab, or
   * this page was reloaded): answered here, the conversation is shown again once it is done. */
  function showWaiting(approval) {
    if (!approval) return;
    const card = approvalCard(approval, {
      onAnswer: async (approve) => {
        try {
          await api(`${chatPath()}/approvals/${approval.approval_id}`, { method: "POST", body: { approve } });
        } finally {
          // Answered, answered elsewhere, timed out or failed after: the server knows how it went.
          await showStoredConversation();
          refreshScenesSoon();
        }
      },
    });
    log.append(card.node);
    scrollDown();
  }

  /** The conversation as the server has it, drawn again. */
  async function showStoredConversation() {
    const [stored] = await Promise.all([api(`${chatPath()}/messages?limit=200`), ledger.load()]);
    log.replaceChildren(emptyLog);
    lastTurn = null;
    renderHistory(stored.messages);
    showWaiting(stored.awaiting_approval);
  }

  /** A replaced user message was edited, or sent again as it was (the message that stands in). */
  function replacedKind(messages, index) {
    const next = messages.slice(index + 1).find((later) => later.role === "user");
    return next && next.content === messages[index].content ? "retried" : "edited";
  }

  /** The stored conversation; what was replaced goes into folds, each where it happened. */
  function renderHistory(messages) {
    let fold = null; // the fold replaced answers join (an edited message's, or earlier answers')
    for (const [index, message] of messages.entries()) {
      const since = log.lastChild;
      const replaced = message.status === "superseded";
      if (message.role === "user") {
        const bubble = addBubble("user", message.content, message.attachments);
        // A turn that ended without an answer keeps what its tools changed: show it, and say so.
        if (message.status === "failed" || message.status === "cancelled") {
          showToolCalls(message.tool_calls);
          addTurnMarker(message.status, message.tool_calls);
        } else if (replaced) {
          showToolCalls(message.tool_calls);
        }
        if (!replaced) lastTurn = { bubble, id: message.id, text: message.content, pictures: message.attachments, answered: false };
      } else {
        showToolCalls(message.tool_calls);
        ledger.attach(addBubble("assistant", message.content), message.id);
        addCitations(message);
        addReceipt(message.change_set_id);
        if (!replaced && lastTurn) lastTurn.answered = true;
      }
      if (!replaced) { fold = null; continue; }
      const nodes = nodesAfter(since);
      if (fold && message.role === "assistant") fold.append(...nodes);
      else fold = foldReplaced(nodes, message.role === "assistant" ? "answer" : replacedKind(messages, index));
    }
    showActions();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (running) return;
    if (attachments.uploading) {
      toast("Wait a moment: the pictures are still uploading.");
      return;
    }
    if (!text) {
      if (!attachments.tray.hidden) toast("Add a few words about the pictures, like “use this picture for scene 2”.");
      return;
    }
    input.value = "";
    if (editing) regenerateLast(text);
    else send(text, { clientMessageId: crypto.randomUUID(), bubble: null, pictures: attachments.take() });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  clear(root).append(
    el("div", { class: "breadcrumb" }, el("a", { href: "/projects" }, "Projects"), " / ",
      el("a", { href: `/canvas/${project.id}` }, project.title), " / Chat"),
    el("div", { class: "page-header" },
      el("h1", { dataset: { testid: "chat-project-title" } }, project.title),
      el("div", { class: "editor-actions" },
        el("a", { class: "button secondary", href: `/canvas/${project.id}`, dataset: { testid: "open-canvas" } }, "Open the canvas"))),
    el("div", { class: "chat-layout" },
      card,
      el("aside", { class: "card chat-side", "aria-label": "Conversations and scenes" }, conversationList.node, el("h2", {}, "Scenes"), sceneList)),
  );
  card.append(assistantBadge(), log, attachments.tray, banner, form);
  log.append(emptyLog);
  // On a phone the page opens at its top (and without the keyboard popping up).
  if (!NARROW.matches) input.focus({ preventScroll: true });

  const [history] = await Promise.all([conversation ? api(`${chatPath()}/messages?limit=200`) : Promise.resolve({ messages: [] }), ledger.load()]);
  if (history.is_active === false) {
    // Idle past the server's TTL: readable as ever; the next message takes it up again.
    const note = el("p", { class: "notice", role: "note", dataset: { testid: "conversation-inactive" } },
      "This conversation was idle for a long time, so it was archived. You can still read it, and your next message picks it up again.");
    log.before(note);
    form.addEventListener("submit", () => note.remove(), { once: true });
  }
  renderHistory(history.messages);
  showWaiting(history.awaiting_approval);
  conversationList.render(conversations, conversation && conversation.id);
  await refreshScenes();
  followProject(project.id, {
    after: project.revision,
    onChange: (changeSet) => { if (changeSet.revision > project.revision) refreshScenesSoon(); },
  });
  root.dataset.ready = "true";
}
