// The History panel: the project's change sets, newest first — who made each (you, the
// assistant, a guest), when, and what it did — with Undo on each. It reports intents (load,
// load older, undo); the page makes the requests and tells it what happened.
import { el, timeAgo } from "../ui.js";

const ACTORS = { user: "You", assistant: "Assistant", share_guest: "Guest" };

/** "Assistant via MCP (Claude)" for a change an MCP client made with the token named Claude. */
function actorLabel(actor) {
  const label = ACTORS[actor.kind] || actor.kind;
  return actor.token_name ? `${label} via MCP (${actor.token_name})` : label;
}

export function createHistory({ onOpen, onMore, onUndo }) {
  const list = el("ol", { class: "history-list", dataset: { testid: "history-list" }, "aria-label": "Change sets, newest first" });
  const state = el("p", { class: "history-state", role: "status", dataset: { testid: "history-state" } });
  const more = el("button", { type: "button", class: "button ghost small", hidden: true, dataset: { testid: "history-more" }, onclick: () => onMore(oldest()) }, "Show older changes");
  const closeButton = el("button", { type: "button", class: "button ghost icon close", "aria-label": "Close the history", dataset: { testid: "close-history" }, onclick: () => close() }, "✕");
  const node = el("aside", { class: "history-panel", hidden: true, "aria-labelledby": "history-heading", dataset: { testid: "history-panel" } },
    el("div", { class: "history-head" }, el("h2", { id: "history-heading" }, "History"), closeButton),
    el("div", { class: "history-scroll" }, state, list, more));
  const toggle = el("button", {
    type: "button", class: "button secondary", "aria-expanded": "false", dataset: { testid: "open-history" },
    onclick: () => (node.hidden ? open() : close()),
  }, "History");

  let changeSets = [];

  const oldest = () => (changeSets.length ? changeSets[changeSets.length - 1].revision : null);

  function row(changeSet) {
    const error = el("p", { class: "history-error", role: "alert", hidden: true, dataset: { testid: "history-error" } });
    const undo = el("button", { type: "button", class: "button ghost small", dataset: { testid: "history-undo" } }, "Undo");
    undo.addEventListener("click", async () => {
      undo.disabled = true;
      error.hidden = true;
      try {
        await onUndo(changeSet);
      } catch (failure) {
        error.textContent = failure.message;
        error.hidden = false;
      } finally {
        undo.disabled = false;
      }
    });
    const when = el("time", { datetime: changeSet.created_at, title: new Date(changeSet.created_at).toLocaleString() }, timeAgo(changeSet.created_at));
    return el("li", { class: `history-item actor-${changeSet.actor.kind}`, dataset: { testid: "history-item", changeSetId: changeSet.id } },
      el("div", { class: "history-meta" }, el("strong", {}, actorLabel(changeSet.actor)), " · ", when),
      el("p", { class: "history-summary", dataset: { testid: "history-summary" } }, changeSet.summary),
      el("div", { class: "history-actions" }, changeSet.undone_by
        ? el("span", { class: "history-undone", dataset: { testid: "history-undone" } }, "Undone")
        : undo),
      error);
  }

  function draw() {
    list.replaceChildren(...changeSets.map(row));
    if (!changeSets.length) showState("", "No changes yet. Edits by you and the assistant appear here.");
    else showState("", "");
  }

  function showState(kind, text) {
    state.className = `history-state ${kind}`;
    state.textContent = text;
    state.hidden = !text;
  }

  function open() {
    node.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    showState("saving", "Loading…");
    onOpen();
    closeButton.focus();
  }

  function close() {
    node.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  }

  node.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });

  return {
    node,
    toggle,
    get isOpen() { return !node.hidden; },
    showState,
    /** The newest change sets (`older`: the next page, after what is shown). */
    show(page, { older = false, hasMore = false } = {}) {
      changeSets = older ? [...changeSets, ...page] : page;
      more.hidden = !hasMore;
      draw();
    },
    /** A change set that just committed: on top (an assistant turn's set grows in place). */
    add(changeSet) {
      if (node.hidden) return;
      changeSets = [changeSet, ...changeSets.filter((item) => item.id !== changeSet.id)]
        .map((item) => (item.id === changeSet.undoes ? { ...item, undone_by: changeSet.id } : item));
      draw();
    },
  };
}
