// A shared board (`/s/<token>`): the project's frames as its owner laid them out, read only, for
// anyone with the link and no account. A frame opens in the review panel, where a guest can
// leave a comment when the link allows it. Nothing here can change the board.
import { api, ApiError } from "../api.js";
import { clear, el, setTitle } from "../ui.js";
import { ASPECT_RATIOS, formatRuntime } from "../storyboard.js";
import { createBoard } from "../components/board.js";
import { createReviewPanel } from "../components/review-panel.js";

const NARROW = window.matchMedia("(max-width: 820px)");

let prefetched = null;

export function prefetch([token]) {
  const request = api(`/api/s/${token}`, { redirectOn401: false });
  request.catch(() => {}); // render() reports it
  prefetched = { token, request };
}

function deadLink(root) {
  setTitle("Link not available");
  clear(root).append(el("div", { class: "empty", dataset: { testid: "share-missing" } },
    el("strong", {}, "This link isn't available"),
    "It may have expired, or its owner turned it off. Ask them for a new link."));
}

function ratioName(ratio) {
  const found = ASPECT_RATIOS.find(([value]) => value === ratio);
  return found ? `${found[2]} (${ratio})` : ratio;
}

function header(board) {
  const stat = (label, value, testid) => el("div", { class: "stat" },
    el("span", { class: "stat-label" }, label), el("span", { class: "stat-value", dataset: { testid } }, value));
  return el("header", { class: "board-header shared-header" },
    el("p", { class: "shared-label" }, el("span", { class: "brand-mark", "aria-hidden": "true" }, "▦"), " Scenecraft · shared storyboard, view only"),
    el("h1", { class: "shared-title", dataset: { testid: "shared-title" } }, board.title),
    board.description ? el("p", { class: "shared-description", dataset: { testid: "shared-description" } }, board.description) : null,
    el("div", { class: "board-toolbar" },
      el("div", { class: "stats" },
        stat("Runtime", formatRuntime(board.total_duration_seconds || 0), "total-runtime"),
        stat("Scenes", String(board.scenes.length), "scene-count"),
        stat("Frame", ratioName(board.aspect_ratio), "shared-ratio")),
      el("p", { class: "hint" }, board.allow_comments ? "Open a frame to comment on it." : "Open a frame to read it.")));
}

export async function render(root, { params: [token] }) {
  const pending = prefetched && prefetched.token === token ? prefetched.request : null;
  prefetched = null;
  let board;
  try {
    board = await (pending || api(`/api/s/${token}`, { redirectOn401: false }));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) { deadLink(root); return; }
    throw error;
  }
  setTitle(board.title);
  root.dataset.page = "shared";
  const scenes = board.scenes;
  const failed = new Set();
  let selectedId = null;

  const grid = createBoard({ onOpen: (sceneId) => open(sceneId), readOnly: true });
  const review = createReviewPanel({
    allowComments: board.allow_comments,
    failed,
    onComment: (sceneId, comment) => api(`/api/s/${token}/scenes/${sceneId}/comments`, { method: "POST", body: comment, redirectOn401: false }),
    onClose: () => close(),
  });
  const empty = el("div", { class: "board-empty", dataset: { testid: "scenes-empty" } },
    el("strong", {}, "No frames yet"), el("p", {}, "This storyboard has no scenes yet."));
  const page = el("div", { class: "canvas-page shared-page" }, header(board), el("div", { class: "board-layout" }, empty, grid.node), review.node);

  function draw() {
    empty.hidden = scenes.length > 0;
    grid.node.hidden = scenes.length === 0;
    page.classList.toggle("drawer-open", review.isOpen);
    grid.render(scenes, { selectedId, view: "board", ratio: board.aspect_ratio, failed });
  }

  function open(sceneId) {
    const index = scenes.findIndex((scene) => scene.id === sceneId);
    if (index < 0) return;
    selectedId = sceneId;
    review.open(scenes[index], index + 1, board.aspect_ratio);
    draw();
    if (NARROW.matches) review.focus();
  }

  function close() {
    const closing = selectedId;
    review.close();
    selectedId = null;
    draw();
    if (closing) grid.focusScene(closing);
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && review.isOpen) close();
  });

  clear(root).append(page);
  draw();
  root.dataset.ready = "true";
}
