// A shared board's frame, opened: everything the scene says, read only, and (when the link takes
// them) a form to leave a comment on it. It reports the comment (`onComment`); the page sends it.
// All text goes in as text.
import { el } from "../ui.js";
import { cameraLabel, formatDuration, shotLabel } from "../storyboard.js";
import { picture } from "./picture.js";

const NAME_LIMIT = 80;
const BODY_LIMIT = 2000;
const NAME_KEY = "scenecraft.review-name";

function section(label, text, testid) {
  if (!text) return null;
  return el("section", { class: "review-field" },
    el("h3", {}, label),
    el("p", { class: "readonly-text", dataset: { testid } }, text));
}

export function createReviewPanel({ allowComments, failed, onComment, onClose }) {
  const heading = el("h2", { id: "review-heading", dataset: { testid: "review-heading" } });
  const body = el("div", { class: "drawer-scroll" });
  const closeButton = el("button", { type: "button", class: "button ghost icon", "aria-label": "Close", dataset: { testid: "close-review" }, onclick: () => onClose() }, "✕");
  const name = el("input", { id: "review-name", type: "text", maxlength: NAME_LIMIT, autocomplete: "name", required: true, dataset: { testid: "review-name" } });
  const text = el("textarea", { id: "review-body", rows: 4, maxlength: BODY_LIMIT, required: true, placeholder: "What should change in this frame?", dataset: { testid: "review-body" } });
  const state = el("span", { class: "save-state", role: "status", dataset: { testid: "review-state" } });
  const send = el("button", { type: "submit", class: "button", dataset: { testid: "review-send" } }, "Send comment");
  const sent = el("ul", { class: "review-sent", "aria-label": "Comments you sent", dataset: { testid: "review-sent" } });
  try { name.value = window.localStorage.getItem(NAME_KEY) || ""; } catch { /* storage off: type it */ }

  const form = el("form", { class: "review-form", novalidate: true, dataset: { testid: "review-form" } },
    el("h3", {}, "Leave a comment"),
    el("div", { class: "field" }, el("label", { for: "review-name" }, "Your name"), name),
    el("div", { class: "field" }, el("label", { for: "review-body" }, "Comment"), text),
    el("div", { class: "review-actions" }, send, state),
    sent);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const author = name.value.trim();
    const message = text.value.trim();
    if (!author || !message) {
      showState("failed", !author ? "Write your name first." : "Write a comment first.");
      (!author ? name : text).focus();
      return;
    }
    send.disabled = true;
    showState("saving", "Sending…");
    try {
      const created = await onComment(scene.id, { author_name: author, body: message });
      try { window.localStorage.setItem(NAME_KEY, author); } catch { /* not remembered */ }
      text.value = "";
      mine.set(scene.id, [...(mine.get(scene.id) || []), created]);
      drawSent();
      showState("saved", "Sent: the board's owner will see it.");
    } catch (error) {
      showState("failed", `Couldn't send: ${error.message}`);
    } finally {
      send.disabled = false;
    }
  });

  const node = el("aside", { class: "drawer review-panel", "aria-labelledby": "review-heading", hidden: true, dataset: { testid: "review-panel" } },
    el("div", { class: "drawer-form" },
      el("div", { class: "drawer-head" }, heading, closeButton),
      body));

  let scene = null;
  const mine = new Map(); // scene id → the comments sent from this page

  function showState(kind, message) {
    state.className = `save-state ${kind}`;
    state.textContent = message;
  }

  function drawSent() {
    sent.replaceChildren(...(mine.get(scene.id) || []).map((item) => el("li", { dataset: { testid: "review-sent-item" } },
      el("strong", {}, item.author_name), el("p", { class: "readonly-text" }, item.body))));
  }

  return {
    node,
    get isOpen() { return !node.hidden; },
    open(next, number, ratio) {
      const changed = !scene || scene.id !== next.id;
      scene = next;
      heading.textContent = `Scene ${number}: ${scene.title}`;
      const tags = [shotLabel(scene.shot_size), cameraLabel(scene.camera_movement), formatDuration(scene.duration_seconds)].filter(Boolean);
      const frameBox = el("div", { class: "drawer-picture", dataset: { ratio } },
        picture(scene.image_src, { alt: `Scene ${number}`, missing: "No picture", broken: "Can't load image", testid: "review-image", failed, eager: true }));
      body.replaceChildren(...[
        frameBox,
        tags.length ? el("div", { class: "frame-tags review-tags" }, ...tags.map((tag) => el("span", { class: "tag" }, tag))) : null,
        section("Script", scene.script, "review-script"),
        section("Audio", scene.audio, "review-audio"),
        section("Notes", scene.notes, "review-notes"),
        !scene.script && !scene.audio && !scene.notes ? el("p", { class: "hint" }, "No script or notes for this frame yet.") : null,
        allowComments ? form : el("p", { class: "hint", dataset: { testid: "comments-closed" } }, "This link is for viewing only: it does not take comments."),
      ].filter(Boolean));
      if (changed) { showState("", ""); drawSent(); }
      node.hidden = false;
    },
    close() { node.hidden = true; scene = null; },
    focus() { closeButton.focus(); },
  };
}
