// Trying the last turn again: the Regenerate and Edit buttons under the conversation's last
// answer, the banner while the last message is being edited, and what was replaced, folded
// away (kept, as the server keeps it, never shown to the model again).
import { el } from "../ui.js";

const FOLD_LABELS = {
  answer: "Earlier answer (replaced)",
  edited: "Earlier version of your message (edited)",
  retried: "Earlier attempt (sent again)",
};

/** A fold holding what a regenerate, an edit or a second try replaced (`kind`: answer, edited
 * or retried); `nodes` move into it, in order. Returns the fold's content, for what joins it
 * later (an edited message's answer). */
export function foldReplaced(nodes, kind) {
  const content = el("div", { class: "replaced-content" });
  const fold = el("details", { class: "replaced", dataset: { testid: "replaced" } },
    el("summary", {}, FOLD_LABELS[kind]), content);
  nodes[0].before(fold);
  content.append(...nodes);
  return content;
}

/** The buttons under the last answer: `onRegenerate()`, `onEdit()`. */
export function turnActions({ onRegenerate, onEdit }) {
  const regenerate = el("button", { type: "button", class: "button ghost small", dataset: { testid: "chat-regenerate" }, onclick: () => onRegenerate() }, "↻ Regenerate");
  const edit = el("button", { type: "button", class: "button ghost small", dataset: { testid: "chat-edit-last" }, onclick: () => onEdit() }, "✎ Edit your message");
  const node = el("div", { class: "turn-actions", role: "group", "aria-label": "The last turn", hidden: true, dataset: { testid: "turn-actions" } }, edit, regenerate);
  return {
    node,
    /** Shown under the log's last turn, or hidden (`answered`: whether it got an answer). */
    show(log, visible, { answered = true } = {}) {
      regenerate.textContent = answered ? "↻ Regenerate" : "↻ Try again";
      regenerate.title = answered
        ? "Answer your last message again; what the answer changed is undone first"
        : "Send your last message again";
      node.hidden = !visible;
      if (visible) log.append(node);
    },
  };
}

/** The banner over the message box while the last message is edited: `onCancel()`. */
export function editBanner({ onCancel }) {
  const node = el("div", { class: "edit-banner", role: "status", hidden: true, dataset: { testid: "edit-banner" } },
    el("span", {}, "Editing your last message: sending replaces it, and what its answer changed is undone first."),
    el("button", { type: "button", class: "button ghost small", dataset: { testid: "edit-cancel" }, onclick: () => onCancel() }, "Cancel"));
  return node;
}
