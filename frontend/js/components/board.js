// The board: every frame in order, as a grid at the project's aspect ratio or as a list. It turns
// clicks, drags, drops and keys into intents for the page (open, reorder, drop a picture); the
// page saves them and renders the board again. A read-only board (a shared link's) only opens
// frames: no drags, drops or moves.
import { el } from "../ui.js";
import { carriesFiles, imageFiles } from "./picture.js";
import { frame } from "./frame.js";

export function createBoard({ onOpen, onReorder = () => {}, onDropFile = () => {}, readOnly = false }) {
  const list = el("ol", { class: "board", dataset: { testid: "scene-list" }, "aria-label": "Scenes in order" });
  let scenes = [];
  let draggedId = null;
  let deferred = null; // a render that came in during a drag, drawn when the drag ends
  const drawn = new Map(); // scene id → { key, node }: a frame that has not changed is kept as is

  const frameOf = (node) => node && node.closest && node.closest("[data-scene-id]");
  const ids = () => scenes.map((scene) => scene.id);

  function move(sceneId, delta) {
    if (readOnly) return;
    const order = ids();
    const from = order.indexOf(sceneId);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= order.length) return;
    order.splice(from, 1);
    order.splice(to, 0, sceneId);
    onReorder(order);
  }

  function dropAfter(event, item) {
    const box = item.getBoundingClientRect();
    // The grid reads left to right; the list top to bottom.
    return list.classList.contains("list")
      ? event.clientY > box.top + box.height / 2
      : event.clientX > box.left + box.width / 2;
  }

  function clearMarks() {
    for (const node of list.querySelectorAll(".drop-before, .drop-after, .drop-file")) {
      node.classList.remove("drop-before", "drop-after", "drop-file");
    }
  }

  list.addEventListener("click", (event) => {
    const item = frameOf(event.target);
    if (!item) return;
    const button = event.target.closest("button[data-move]");
    if (button) move(item.dataset.sceneId, Number(button.dataset.move));
    else onOpen(item.dataset.sceneId);
  });
  list.addEventListener("keydown", (event) => {
    const item = frameOf(event.target);
    if (!item || event.target !== item) return;
    const back = event.key === "ArrowLeft" || event.key === "ArrowUp";
    const forward = event.key === "ArrowRight" || event.key === "ArrowDown";
    if (event.altKey && (back || forward)) {
      event.preventDefault();
      move(item.dataset.sceneId, back ? -1 : 1);
    } else if (!event.altKey && (back || forward)) {
      // Arrows walk the frames without moving them.
      const sibling = back ? item.previousElementSibling : item.nextElementSibling;
      if (sibling) { event.preventDefault(); sibling.focus(); }
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onOpen(item.dataset.sceneId);
    }
  });
  list.addEventListener("dragstart", (event) => {
    const item = frameOf(event.target);
    if (!item || readOnly) return;
    draggedId = item.dataset.sceneId;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", draggedId);
  });
  list.addEventListener("dragend", endDrag);
  list.addEventListener("dragover", (event) => {
    const item = frameOf(event.target);
    if (!item || readOnly) return;
    if (carriesFiles(event.dataTransfer)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      clearMarks();
      item.classList.add("drop-file");
      return;
    }
    if (!draggedId || draggedId === item.dataset.sceneId) return;
    event.preventDefault();
    clearMarks();
    item.classList.add(dropAfter(event, item) ? "drop-after" : "drop-before");
  });
  list.addEventListener("dragleave", (event) => {
    const item = frameOf(event.target);
    if (item && !item.contains(event.relatedTarget)) item.classList.remove("drop-before", "drop-after", "drop-file");
  });
  list.addEventListener("drop", (event) => {
    const item = frameOf(event.target);
    if (!item || readOnly) return;
    event.preventDefault();
    clearMarks();
    const target = item.dataset.sceneId;
    const files = imageFiles(event.dataTransfer);
    if (files.length) {
      onDropFile(target, files[0]);
      return;
    }
    const source = draggedId || event.dataTransfer.getData("text/plain");
    const after = dropAfter(event, item); // measured before the redraw below replaces the node
    endDrag(); // draws what changed meanwhile: the target may be gone
    if (!source || source === target || !ids().includes(source) || !ids().includes(target)) return;
    const order = ids().filter((id) => id !== source);
    order.splice(order.indexOf(target) + (after ? 1 : 0), 0, source);
    onReorder(order);
  });

  /** A drag is over (dropped or let go): what changed meanwhile is drawn now. */
  function endDrag() {
    for (const node of list.querySelectorAll(".dragging")) node.classList.remove("dragging");
    draggedId = null;
    clearMarks();
    if (deferred) { const [next, options] = deferred; deferred = null; draw(next, options); }
  }

  /** Draw the frames, building only those that changed and moving the rest into place, so a
   * frame under the person's pointer (about to be dragged or clicked) stays the same element. */
  function draw(next, { selectedId, view, ratio, failed, uploading = new Set(), comments = new Map() }) {
    const keep = focused();
    scenes = next;
    list.className = `board ${view === "list" ? "list" : "grid"}`;
    list.dataset.ratio = ratio;
    const nodes = scenes.map((scene, index) => {
      const options = {
        index, count: scenes.length, selected: scene.id === selectedId, failed, uploading: uploading.has(scene.id), view,
        readOnly, comments: comments.get(scene.id) || 0,
      };
      // The frame shows the count only as "is it the last one" (its Move later button).
      const shown = { ...options, count: undefined, last: index === scenes.length - 1, failed: failed.has(scene.thumbnail_src) };
      const key = JSON.stringify([scene, shown]);
      const known = drawn.get(scene.id);
      if (known && known.key === key) return known.node;
      const node = frame(scene, options);
      drawn.set(scene.id, { key, node });
      return node;
    });
    nodes.forEach((node, index) => {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
    while (list.children.length > nodes.length) list.lastElementChild.remove();
    const shown = new Set(scenes.map((scene) => scene.id));
    for (const sceneId of drawn.keys()) if (!shown.has(sceneId)) drawn.delete(sceneId);
    restore(keep);
  }

  /** Where the keyboard focus is, so a re-render can put it back on the same scene. */
  function focused() {
    const active = document.activeElement;
    const item = active && list.contains(active) ? frameOf(active) : null;
    return item ? { sceneId: item.dataset.sceneId, testid: active === item ? null : active.dataset.testid } : null;
  }

  function restore(focus) {
    if (!focus) return;
    const item = list.querySelector(`[data-scene-id="${focus.sceneId}"]`);
    if (!item) return;
    // A move button that became disabled (the scene reached an end) hands focus to its twin.
    const candidates = focus.testid ? [focus.testid, focus.testid === "move-up" ? "move-down" : "move-up"] : [];
    const button = candidates.map((testid) => item.querySelector(`[data-testid="${testid}"]`)).find((node) => node && !node.disabled);
    (button || item).focus();
  }

  return {
    node: list,
    /** `comments`: open review comments per scene id (a Map), shown on the frames. */
    /** A render during a drag waits for the drag to end, so the board never moves under it. */
    render(next, options) {
      if (draggedId) deferred = [next, options];
      else draw(next, options);
    },
    focusScene(sceneId) {
      const item = list.querySelector(`[data-scene-id="${sceneId}"]`);
      if (item) { item.scrollIntoView({ block: "nearest" }); item.focus({ preventScroll: true }); }
    },
  };
}
