// A project's conversations beside the chat: each a link (title, message count, last activity),
// the open one marked, with New, Rename and Delete. It reports intents; the page does requests.
import { clear, counted, el } from "../ui.js";

function activity(iso) {
  const when = new Date(iso);
  const sameDay = when.toDateString() === new Date().toDateString();
  return sameDay
    ? when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : when.toLocaleDateString([], { month: "short", day: "numeric" });
}

export function createConversationList({ projectId, onNew, onRename, onDelete }) {
  const list = el("ul", { class: "conversation-list", dataset: { testid: "conversations" } });
  const rename = el("button", { type: "button", class: "button ghost small", dataset: { testid: "rename-conversation" }, onclick: () => onRename() }, "Rename");
  const remove = el("button", { type: "button", class: "button ghost small", dataset: { testid: "delete-conversation" }, onclick: () => onDelete() }, "Delete");
  const node = el("section", { class: "conversations", "aria-labelledby": "conversations-heading" },
    el("div", { class: "conversations-head" },
      el("h2", { id: "conversations-heading" }, "Conversations"),
      el("button", { type: "button", class: "button secondary small", dataset: { testid: "new-conversation" }, onclick: () => onNew() }, "+ New")),
    list,
    el("div", { class: "conversation-actions" }, rename, remove));

  /** Show the list; `openId` is the conversation on the page (null: none started yet). */
  function render(conversations, openId) {
    clear(list).append(...conversations.map((conversation) => {
      const open = conversation.id === openId;
      const count = counted(conversation.message_count, "message");
      return el("li", { class: open ? "open" : "", dataset: { testid: "conversation" } },
        el("a", { href: `/chat/${projectId}?conversation=${conversation.id}`, "aria-current": open ? "page" : false },
          el("span", { class: "conversation-title", dataset: { testid: "conversation-title" } }, conversation.title),
          el("span", { class: "conversation-meta" }, `${count} · ${activity(conversation.last_message_at)}`,
            conversation.is_active ? "" : " · archived")));
    }));
    if (!conversations.length) list.append(el("li", { class: "hint" }, "No conversation yet: your first message starts one."));
    rename.hidden = remove.hidden = !openId;
  }

  return { node, render };
}
