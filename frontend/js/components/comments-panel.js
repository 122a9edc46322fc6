// Review comments on the canvas: what guests said through share links, frame by frame. A dialog
// lists them (open ones first, resolved on request) to resolve, reopen or delete; `counts()`
// gives the open comments per scene for the board's frames. It owns this data (the project's
// comments) and does its own requests; the page only places it and redraws on `onChange`.
import { api } from "../api.js";
import { el, timeAgo } from "../ui.js";

export function createCommentsPanel({ projectId, scenes, onChange, onOpenScene }) {
  let comments = [];
  let loadError = null;
  const showResolved = el("input", { type: "checkbox", id: "comments-resolved", dataset: { testid: "comments-show-resolved" } });
  const list = el("ol", { class: "comment-list", "aria-label": "Review comments", dataset: { testid: "comment-list" } });
  const state = el("span", { class: "save-state", role: "status", dataset: { testid: "comments-state" } });
  const closeButton = el("button", { type: "button", class: "button ghost icon", "aria-label": "Close", dataset: { testid: "comments-close" } }, "✕");
  const count = el("span", { class: "count-pill", hidden: true, dataset: { testid: "comments-count" } });
  const button = el("button", { type: "button", class: "button secondary", dataset: { testid: "open-comments" }, onclick: () => show() }, "Comments ", count);
  const node = el("dialog", { class: "panel-dialog", "aria-labelledby": "comments-heading", dataset: { testid: "comments-panel" } },
    el("div", { class: "drawer-head" }, el("h2", { id: "comments-heading" }, "Review comments"), closeButton),
    el("div", { class: "dialog-body" },
      el("div", { class: "review-actions" },
        el("label", { class: "checkbox", for: "comments-resolved" }, showResolved, " Show resolved"), state),
      list));

  const open = () => comments.filter((comment) => !comment.resolved);

  function showState(kind, text) {
    state.className = `save-state ${kind}`;
    state.textContent = text;
  }

  function sceneLabel(sceneId) {
    const all = scenes();
    const index = all.findIndex((scene) => scene.id === sceneId);
    return index < 0 ? "A deleted scene" : `Scene ${index + 1}: ${all[index].title}`;
  }

  async function change(comment, request, done) {
    showState("saving", "Saving…");
    try {
      await request();
      done();
      showState("saved", "Saved");
    } catch (error) {
      showState("failed", `Couldn't save: ${error.message}`);
    }
    draw();
  }

  function item(comment) {
    const resolve = el("button", { type: "button", class: "button ghost small", dataset: { testid: "comment-resolve" } }, comment.resolved ? "Reopen" : "Resolve");
    resolve.addEventListener("click", () => change(comment,
      () => api(`/api/comments/${comment.id}`, { method: "PATCH", body: { resolved: !comment.resolved } }),
      () => { comment.resolved = !comment.resolved; }));
    const remove = el("button", { type: "button", class: "button ghost small danger-text", dataset: { testid: "comment-delete" } }, "Delete");
    remove.addEventListener("click", () => {
      if (!window.confirm(`Delete ${comment.author_name}'s comment? This cannot be undone.`)) return;
      change(comment, () => api(`/api/comments/${comment.id}`, { method: "DELETE" }),
        () => { comments = comments.filter((other) => other.id !== comment.id); });
    });
    const scene = el("button", { type: "button", class: "link-button", dataset: { testid: "comment-scene" } }, sceneLabel(comment.scene_id));
    scene.addEventListener("click", () => { node.close(); onOpenScene(comment.scene_id); });
    return el("li", { class: `comment${comment.resolved ? " resolved" : ""}`, dataset: { testid: "comment-item", commentId: comment.id } },
      el("div", { class: "comment-head" }, scene, el("span", { class: "hint" }, timeAgo(comment.created_at))),
      el("p", { class: "comment-author", dataset: { testid: "comment-author" } }, comment.author_name),
      el("p", { class: "readonly-text", dataset: { testid: "comment-body" } }, comment.body),
      el("div", { class: "comment-actions" }, comment.resolved ? el("span", { class: "tag" }, "Resolved") : null, resolve, remove));
  }

  function draw() {
    const openCount = open().length;
    count.textContent = String(openCount);
    count.hidden = openCount === 0;
    button.setAttribute("aria-label", `Comments: ${openCount} open`);
    const shown = showResolved.checked ? comments : open();
    if (loadError) list.replaceChildren(el("li", { class: "error-text" }, `Couldn't load the comments: ${loadError}`));
    else if (!shown.length) {
      list.replaceChildren(el("li", { class: "hint", dataset: { testid: "comments-empty" } },
        comments.length ? "Every comment is resolved." : "No comments yet. Share a link that takes comments to collect them."));
    } else list.replaceChildren(...shown.map(item));
    onChange();
  }

  async function load() {
    try {
      comments = (await api(`/api/projects/${projectId}/comments`)).comments;
      loadError = null;
    } catch (error) {
      loadError = error.message;
    }
    draw();
  }

  function show() {
    showState("", "");
    node.showModal();
    load();
  }

  showResolved.addEventListener("change", () => draw());
  closeButton.addEventListener("click", () => node.close());

  return {
    node,
    button,
    load,
    /** Open comments per scene id. */
    counts() {
      const counts = new Map();
      for (const comment of open()) counts.set(comment.scene_id, (counts.get(comment.scene_id) || 0) + 1);
      return counts;
    },
  };
}
