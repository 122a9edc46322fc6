// The canvas: the project as a storyboard. A header (runtime against the target, scene count,
// aspect ratio, view), the board of frames, and the drawer that edits one scene. This page holds
// the state and does every request; the components only report what the person did.
import { api, download } from "../api.js";
import { clear, el, loadProject, setTitle, toast } from "../ui.js";
import { createBoard } from "../components/board.js";
import { createBoardHeader } from "../components/board-header.js";
import { createDrawer } from "../components/drawer.js";
import { createCommentsPanel } from "../components/comments-panel.js";
import { createExportMenu } from "../components/export-menu.js";
import { createShareDialog } from "../components/share-dialog.js";
import { imageFiles } from "../components/picture.js";
import { createStoryPanel } from "../components/story-panel.js";

const NARROW = window.matchMedia("(max-width: 820px)");

function totalRuntime(scenes) {
  return Math.round(scenes.reduce((sum, scene) => sum + (scene.duration_seconds || 0), 0) * 10) / 10;
}

let prefetched = null;

/** The project's request, started while the app still checks who is signed in. */
export function prefetch([projectId]) {
  const request = api(`/api/projects/${projectId}`);
  request.catch(() => {}); // render() reports it
  prefetched = { projectId, request };
}

export async function render(root, { params: [projectId] }) {
  const pending = prefetched && prefetched.projectId === projectId ? prefetched.request : null;
  prefetched = null;
  let project = await loadProject(root, projectId, pending);
  if (!project) return;
  setTitle(project.title);
  root.dataset.page = "canvas";
  let scenes = project.scenes;
  let selectedId = null;
  let view = new URLSearchParams(window.location.search).get("view") === "list" ? "list" : "board";
  const failed = new Set();
  const uploading = new Set();

  const selected = () => scenes.find((scene) => scene.id === selectedId);
  const numberOf = (scene) => scenes.indexOf(scene) + 1;

  const shareDialog = createShareDialog({ projectId: project.id });
  const exportMenu = createExportMenu({ current: () => ({ project, scenes }), onDownload: (path) => download(path) });
  const comments = createCommentsPanel({
    projectId: project.id, scenes: () => scenes, onChange: () => draw(), onOpenScene: (sceneId) => openScene(sceneId),
  });

  const header = createBoardHeader({
    project,
    actions: [exportMenu.node, shareDialog.button, comments.button],
    onProjectChange: async (changes) => {
      const updated = await api(`/api/projects/${project.id}`, { method: "PUT", body: changes });
      project = { ...project, ...updated };
      setTitle(project.title);
      draw();
    },
    onView: (next) => {
      view = next;
      const url = new URL(window.location.href);
      if (view === "list") url.searchParams.set("view", "list");
      else url.searchParams.delete("view");
      window.history.replaceState(null, "", url);
      draw();
    },
    onAdd: () => addScene(),
    onStory: () => toggleStory(),
  });

  const board = createBoard({
    onOpen: (sceneId) => openScene(sceneId),
    onReorder: (ids) => persistOrder(ids),
    onDropFile: (sceneId, file) => uploadPicture(sceneId, file),
  });

  const drawer = createDrawer({
    failed,
    onSave: (draft) => saveScene(draft),
    onUpload: (file) => uploadPicture(selectedId, file),
    onRemovePicture: () => removePicture(selectedId),
    onDuplicate: () => duplicateScene(),
    onDelete: () => deleteScene(),
    onClose: () => closeDrawer(),
  });

  const dossierPath = `/api/projects/${project.id}/dossier`;
  const story = createStoryPanel({
    onAdd: async (kind, fields) => {
      await api(`${dossierPath}/${kind}`, { method: "POST", body: fields });
      await loadStory();
    },
    onChange: async (kind, itemId, fields) => {
      await api(`${dossierPath}/${kind}/${itemId}`, { method: "PATCH", body: fields });
      await loadStory();
    },
    onRemove: async (kind, itemId) => {
      await api(`${dossierPath}/${kind}/${itemId}`, { method: "DELETE" });
      await loadStory();
    },
    onClose: () => toggleStory(),
  });

  async function loadStory() {
    story.render(await api(dossierPath));
  }

  async function toggleStory() {
    if (story.isOpen) story.close();
    else {
      try {
        await loadStory();
      } catch (error) {
        toast(`Couldn't open the story: ${error.message}`, "error");
        return;
      }
      story.open();
    }
    layout.classList.toggle("story-open", story.isOpen);
  }

  const empty = el("div", { class: "board-empty", dataset: { testid: "scenes-empty" } },
    el("div", { class: "empty-frames", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
    el("strong", {}, "Start your storyboard"),
    el("p", {}, "Add frames one by one, or tell the assistant what the film is about and let it draft them."),
    el("div", { class: "empty-actions" },
      el("button", { type: "button", class: "button", dataset: { testid: "add-first-scene" }, onclick: () => addScene() }, "Add your first scene"),
      el("a", { class: "button secondary", href: `/chat/${project.id}`, dataset: { testid: "empty-ask-assistant" } }, "Ask the assistant")));
  const layout = el("div", { class: "board-layout" }, el("div", { class: "board-main" }, empty, board.node), story.node);
  const page = el("div", { class: "canvas-page" }, header.node, layout, drawer.node, shareDialog.node, comments.node);

  function draw() {
    project = { ...project, total_duration_seconds: totalRuntime(scenes), scene_count: scenes.length };
    header.update(project, scenes, view);
    empty.hidden = scenes.length > 0;
    board.node.hidden = scenes.length === 0;
    page.classList.toggle("drawer-open", drawer.isOpen);
    board.render(scenes, { selectedId, view, ratio: project.aspect_ratio, failed, uploading, comments: comments.counts() });
    if (drawer.isOpen && selected()) drawer.open(selected(), numberOf(selected()), project.aspect_ratio, { keepEdits: true });
  }

  function replaceScene(updated) {
    scenes = scenes.map((scene) => (scene.id === updated.id ? updated : scene));
  }

  function confirmDiscard() {
    const scene = selected();
    return !drawer.isDirty() || window.confirm(`You have unsaved changes to “${scene.title}”. Discard them?`);
  }

  function openScene(sceneId, { force = false } = {}) {
    if (sceneId !== selectedId && !force && !confirmDiscard()) return;
    const scene = scenes.find((item) => item.id === sceneId);
    if (!scene) return;
    selectedId = sceneId;
    drawer.open(scene, numberOf(scene), project.aspect_ratio);
    draw();
    if (NARROW.matches) drawer.reveal();
  }

  function closeDrawer() {
    if (!confirmDiscard()) return;
    const closing = selectedId;
    drawer.close();
    selectedId = null;
    draw();
    if (closing) board.focusScene(closing);
  }

  // Order changes are shown at once and saved one after another, in the order they were made, so
  // quick repeated moves cannot land on the server out of order.
  let orderWrites = Promise.resolve();
  let pendingOrderWrites = 0;

  function persistOrder(ids) {
    const byId = new Map(scenes.map((scene) => [scene.id, scene]));
    scenes = ids.map((id, order) => ({ ...byId.get(id), order }));
    draw();
    pendingOrderWrites += 1;
    header.showState("saving", "Saving the order…");
    orderWrites = orderWrites.then(async () => {
      try {
        const saved = await api(`/api/projects/${project.id}/scenes/order`, { method: "PUT", body: { scene_ids: ids } });
        if (pendingOrderWrites === 1) {
          scenes = saved;
          draw();
          header.showState("saved", "Order saved");
        }
      } catch (error) {
        header.showState("failed", `Couldn't reorder: ${error.message}`);
        toast(`Couldn't reorder: ${error.message}`, "error");
        await reloadScenes();
      } finally {
        pendingOrderWrites -= 1;
      }
    });
    return orderWrites;
  }

  /** After a failed write, show what the server has rather than guess. */
  async function reloadScenes() {
    try {
      scenes = (await api(`/api/projects/${project.id}`)).scenes;
    } catch (error) {
      toast(`Couldn't reload the scenes: ${error.message}`, "error");
      return;
    }
    if (!selected()) { drawer.close(); selectedId = null; }
    draw();
  }

  async function saveScene(draft) {
    const scene = selected();
    if (!scene) return;
    drawer.showState("saving", "Saving…");
    drawer.saving(true);
    try {
      const updated = await api(`/api/scenes/${scene.id}`, { method: "PUT", body: draft });
      replaceScene(updated);
      drawer.open(updated, numberOf(updated), project.aspect_ratio);
      draw();
      drawer.showState("saved", "Saved");
    } catch (error) {
      drawer.showState("failed", `Couldn't save: ${error.message}`);
    } finally {
      drawer.saving(false);
    }
  }

  async function uploadPicture(sceneId, file) {
    if (!sceneId || !file || uploading.has(sceneId)) return;
    const inDrawer = () => drawer.isOpen && selectedId === sceneId;
    uploading.add(sceneId);
    if (inDrawer()) { drawer.uploading(true); drawer.showPictureState("saving", "Uploading…"); }
    draw();
    try {
      const updated = await api(`/api/scenes/${sceneId}/image`, { method: "POST", file });
      replaceScene(updated);
      if (inDrawer()) drawer.showPictureState("saved", "Picture saved");
      else toast(`Picture added to scene ${numberOf(updated)}.`);
    } catch (error) {
      if (inDrawer()) drawer.showPictureState("failed", `Couldn't upload: ${error.message}`);
      else toast(`Couldn't upload the picture: ${error.message}`, "error");
    } finally {
      uploading.delete(sceneId);
      if (inDrawer()) drawer.uploading(false);
      draw();
    }
  }

  async function removePicture(sceneId) {
    drawer.showPictureState("saving", "Removing…");
    try {
      replaceScene(await api(`/api/scenes/${sceneId}/image`, { method: "DELETE" }));
      drawer.showPictureState("saved", "Upload removed");
      draw();
    } catch (error) {
      drawer.showPictureState("failed", `Couldn't remove: ${error.message}`);
    }
  }

  async function addScene() {
    if (!confirmDiscard()) return;
    try {
      const scene = await api(`/api/projects/${project.id}/scenes`, { method: "POST", body: { title: `Scene ${scenes.length + 1}` } });
      scenes = [...scenes, scene];
      openScene(scene.id, { force: true });
      drawer.focusTitle();
    } catch (error) {
      toast(`Couldn't add a scene: ${error.message}`, "error");
    }
  }

  async function duplicateScene() {
    const scene = selected();
    if (!scene || !confirmDiscard()) return;
    try {
      const copy = await api(`/api/scenes/${scene.id}/duplicate`, { method: "POST" });
      scenes = [...scenes.slice(0, copy.order), copy, ...scenes.slice(copy.order)].map((s, order) => ({ ...s, order }));
      openScene(copy.id, { force: true });
      toast("Scene duplicated.");
    } catch (error) {
      toast(`Couldn't duplicate: ${error.message}`, "error");
    }
  }

  async function deleteScene() {
    const scene = selected();
    if (!scene) return;
    if (!window.confirm(`Delete scene ${numberOf(scene)} “${scene.title}”? This cannot be undone.`)) return;
    try {
      await api(`/api/scenes/${scene.id}`, { method: "DELETE" });
      const index = scenes.indexOf(scene);
      scenes = scenes.filter((s) => s.id !== scene.id).map((s, order) => ({ ...s, order }));
      const neighbour = scenes[Math.min(index, scenes.length - 1)];
      if (neighbour) openScene(neighbour.id, { force: true });
      else { drawer.close(); selectedId = null; draw(); }
      toast("Scene deleted.");
    } catch (error) {
      toast(`Couldn't delete: ${error.message}`, "error");
    }
  }

  // --- keyboard, clipboard and leaving -----------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      if (selected()) saveScene(drawer.draft());
    }
  });
  // A pasted picture goes to the scene in the drawer, else to the focused frame.
  document.addEventListener("paste", (event) => {
    const files = imageFiles(event.clipboardData);
    if (!files.length) return;
    const focusedFrame = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-scene-id]");
    const target = drawer.isOpen ? selectedId : focusedFrame && focusedFrame.dataset.sceneId;
    if (!target) {
      toast("Select a frame first, then paste the picture onto it.");
      return;
    }
    event.preventDefault();
    uploadPicture(target, files[0]);
  });
  window.addEventListener("beforeunload", (event) => {
    if (drawer.isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  clear(root).append(page);
  draw();
  comments.load();
  root.dataset.ready = "true";
  performance.mark("canvas-ready");
}
