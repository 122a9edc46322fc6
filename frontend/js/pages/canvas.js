// The canvas: the project as a storyboard. A header (runtime against the target, scene count,
// aspect ratio, view), the board of frames, and the drawer that edits one scene. This page holds
// the state and does every request; the components only report what the person did.
// It follows the project's live event stream: a change made elsewhere (the assistant, another
// tab) is shown at once, without touching a field the person is editing — on the board, and in
// the story panel when it is open — and every edit of the project or a scene is sent with
// If-Match, so a stale one is never saved over a newer one without asking (the story panel's
// item edits are per item, and saved as they are made).
import { api, download } from "../api.js";
import { clear, el, loadProject, setTitle, toast } from "../ui.js";
import { createBoard } from "../components/board.js";
import { createBoardHeader } from "../components/board-header.js";
import { createDocumentsPanel } from "../components/documents-panel.js";
import { createDrawer } from "../components/drawer.js";
import { createCommentsPanel } from "../components/comments-panel.js";
import { createExportMenu } from "../components/export-menu.js";
import { createShareDialog } from "../components/share-dialog.js";
import { imageFiles } from "../components/picture.js";
import { createStoryPanel } from "../components/story-panel.js";
import { conflictNotice } from "../components/conflict.js";
import { createHistory } from "../components/history.js";
import { followProject } from "../components/live.js";

const NARROW = window.matchMedia("(max-width: 820px)");

function totalRuntime(scenes) {
  return Math.round(scenes.reduce((sum, scene) => sum + (scene.duration_seconds || 0), 0) * 10) / 10;
}

const HISTORY_PAGE = 50;
const HIGHLIGHT_MS = 2500;

/** The project read with its revision (from the ETag `"r<revision>"`): `{ request, revision() }`. */
function readProject(projectId) {
  let etag = null;
  const request = api(`/api/projects/${projectId}`, { onResponse: (response) => { etag = response.headers.get("ETag"); } });
  return { request, revision: () => revisionOf(etag) };
}

function revisionOf(etag) {
  const match = /^(?:W\/)?"r(\d+)"$/.exec(etag || "");
  return match ? Number(match[1]) : null;
}

let prefetched = null;

/** The project's request, started while the app still checks who is signed in. */
export function prefetch([projectId]) {
  const read = readProject(projectId);
  read.request.catch(() => {}); // render() reports it
  prefetched = { projectId, read };
}

export async function render(root, { params: [projectId] }) {
  const read = prefetched && prefetched.projectId === projectId ? prefetched.read : readProject(projectId);
  prefetched = null;
  let project = await loadProject(root, projectId, read.request);
  if (!project) return;
  let revision = read.revision(); // the revision the page shows: sent as If-Match
  // A write answers without its revision; the stream brings it a moment later. A write that
  // follows one of the page's own waits for that (briefly), so it does not name a stale one.
  let unconfirmed = 0;
  const confirmations = [];
  async function ifMatch() {
    if (unconfirmed > 0) await new Promise((resolve) => { confirmations.push(resolve); setTimeout(resolve, 1500); });
    return revision === null ? {} : { "If-Match": `"r${revision}"` };
  }
  function confirmed() {
    unconfirmed = Math.max(0, unconfirmed - 1);
    if (!unconfirmed) for (const resolve of confirmations.splice(0)) resolve();
  }
  setTitle(project.title);
  root.dataset.page = "canvas";
  let scenes = project.scenes;
  let selectedId = null;
  let view = new URLSearchParams(window.location.search).get("view") === "list" ? "list" : "board";
  const failed = new Set();
  const uploading = new Set();

  const selected = () => scenes.find((scene) => scene.id === selectedId);
  const numberOf = (scene) => scenes.indexOf(scene) + 1;

  const liveState = el("span", { class: "live-state", role: "status", dataset: { testid: "live-state" } });
  const history = createHistory({
    onOpen: () => loadHistory(),
    onMore: (before) => loadHistory(before),
    onUndo: async (changeSet) => {
      await api(`/api/change-sets/${changeSet.id}/undo`, { method: "POST" });
      toast("Undone.");
    },
  });
  const shareDialog = createShareDialog({ projectId: project.id });
  const exportMenu = createExportMenu({ current: () => ({ project, scenes }), onDownload: (path) => download(path) });
  const comments = createCommentsPanel({
    projectId: project.id, scenes: () => scenes, onChange: () => draw(), onOpenScene: (sceneId) => openScene(sceneId),
  });

  const header = createBoardHeader({
    project,
    actions: [liveState, history.toggle, exportMenu.node, shareDialog.button, comments.button],
    onProjectChange: async (changes) => {
      const updated = await saveProject(changes);
      wrote();
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
    onSave: () => saveScene(),
    onUpload: (file) => uploadPicture(selectedId, file),
    onRemovePicture: () => removePicture(selectedId),
    onDuplicate: () => duplicateScene(),
    onDelete: () => deleteScene(),
    onClose: () => closeDrawer(),
  });

  // A dossier change is a change set too: it advances the revision, so it counts as a write.
  const dossierPath = `/api/projects/${project.id}/dossier`;
  const story = createStoryPanel({
    onAdd: async (kind, fields) => {
      await api(`${dossierPath}/${kind}`, { method: "POST", body: fields });
      wrote();
      await loadStory();
    },
    onChange: async (kind, itemId, fields) => {
      await api(`${dossierPath}/${kind}/${itemId}`, { method: "PATCH", body: fields });
      wrote();
      await loadStory();
    },
    onRemove: async (kind, itemId) => {
      await api(`${dossierPath}/${kind}/${itemId}`, { method: "DELETE" });
      wrote();
      await loadStory();
    },
    onClose: () => toggleStory(),
  });

  async function loadStory() {
    story.render(await api(dossierPath));
  }

  /** A change set changed the dossier: show it in the open panel once the person stops typing. */
  function followStory() {
    if (!story.isOpen) return;
    story.whenIdle(() => {
      if (story.isOpen) loadStory().catch((error) => toast(`Couldn't show the story's latest changes: ${error.message}`, "error"));
    });
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
  const documents = createDocumentsPanel({ projectId: project.id, onScenesImported: () => reloadScenes() });
  const layout = el("div", { class: "board-layout" }, el("div", { class: "board-main" }, empty, board.node, documents.node), story.node);
  const page = el("div", { class: "canvas-page" }, header.node, layout, drawer.node, history.node, shareDialog.node, comments.node);
  const highlighted = new Map(); // scene id → timer: frames changed elsewhere, marked briefly

  function draw() {
    project = { ...project, total_duration_seconds: totalRuntime(scenes), scene_count: scenes.length };
    header.update(project, scenes, view);
    empty.hidden = scenes.length > 0;
    board.node.hidden = scenes.length === 0;
    page.classList.toggle("drawer-open", drawer.isOpen);
    board.render(scenes, { selectedId, view, ratio: project.aspect_ratio, failed, uploading, comments: comments.counts() });
    for (const sceneId of highlighted.keys()) {
      const item = board.node.querySelector(`[data-scene-id="${sceneId}"]`);
      if (item) item.classList.add("live-changed");
    }
    if (drawer.isOpen && selected()) drawer.open(selected(), numberOf(selected()), project.aspect_ratio, { keepEdits: true });
  }

  function replaceScene(updated) {
    wrote();
    scenes = scenes.map((scene) => (scene.id === updated.id ? updated : scene));
  }

  // Counts the page's own writes: a reload that began before one of them answered may predate it.
  let writes = 0;
  const wrote = () => { writes += 1; unconfirmed += 1; };

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
        wrote();
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

  /** Save the fields the person changed, if nothing else changed them meanwhile; else ask. */
  async function saveScene() {
    const scene = selected();
    if (!scene) return;
    const changes = drawer.changes();
    if (!Object.keys(changes).length) { drawer.showState("saved", "Saved"); return; }
    const clashing = drawer.conflicts(scene);
    if (clashing.length) { askAboutConflict(scene, clashing, { saving: true }); return; }
    drawer.showState("saving", "Saving…");
    drawer.saving(true);
    try {
      const updated = await api(`/api/scenes/${scene.id}`, { method: "PUT", body: changes, headers: await ifMatch() });
      replaceScene(updated);
      drawer.open(updated, numberOf(updated), project.aspect_ratio);
      draw();
      drawer.showState("saved", "Saved");
    } catch (error) {
      if (error.status !== 412) { drawer.showState("failed", `Couldn't save: ${error.message}`); return; }
      // The project moved on: catch up, then save again unless the same fields changed.
      drawer.showState("saving", "Changed elsewhere: checking…");
      if (await refresh() && selected() && !drawer.conflicts(selected()).length) saveScene();
      else if (selected()) askAboutConflict(selected(), drawer.conflicts(selected()), { saving: true });
    } finally {
      drawer.saving(false);
    }
  }

  /** Show what changed elsewhere in the fields the person edits, and let them choose. */
  function askAboutConflict(latest, fields, { saving }) {
    if (!fields.length) return;
    drawer.showState("failed", "Changed elsewhere: keep yours or take theirs");
    drawer.showNotice(conflictNotice({
      fields,
      theirs: drawer.valuesOf(latest),
      mine: drawer.draft(),
      onKeepMine: () => {
        drawer.rebase(selected());
        drawer.showNotice(null);
        if (saving) saveScene();
        else drawer.showState("dirty", "Unsaved changes");
      },
      onTakeTheirs: () => {
        drawer.takeTheirs(selected(), fields);
        drawer.showNotice(null);
        if (saving && drawer.isDirty()) saveScene();
        else drawer.showState(drawer.isDirty() ? "dirty" : "saved", drawer.isDirty() ? "Unsaved changes" : "Up to date");
      },
    }));
  }

  /** A project edit from the header, sent with If-Match; when the project moved on meanwhile and
   * the same field changed, the person decides. */
  async function saveProject(changes, attempts = 3) {
    try {
      return await api(`/api/projects/${project.id}`, { method: "PUT", body: changes, headers: await ifMatch() });
    } catch (error) {
      if (error.status !== 412 || attempts <= 1) throw error;
      const before = project;
      await refresh();
      const clashing = Object.keys(changes).filter((field) => project[field] !== before[field]);
      if (clashing.length && !window.confirm(`The project's ${clashing.join(", ").replaceAll("_", " ")} was changed elsewhere meanwhile. Replace it with yours?`)) {
        throw new Error("kept the change made elsewhere");
      }
      return saveProject(changes, attempts - 1);
    }
  }

  // --- live: the event stream, and catching up with the server ----------------------------------
  let refreshing = null;
  let refreshAgain = false;
  const movedElsewhere = new Set(); // scenes a change set moved (renumbering alone is no move)

  /** Read the project again and show it (several calls at once make one read, then maybe one
   * more); true when it was read. */
  function refresh() {
    if (refreshing) { refreshAgain = true; return refreshing; }
    refreshing = (async () => {
      let done = false;
      do {
        refreshAgain = false;
        const latest = readProject(project.id);
        const writesBefore = writes;
        try {
          const read = await latest.request;
          if (writes !== writesBefore) { refreshAgain = true; continue; } // it may predate them
          // Older than what the page already shows (a later change set arrived meanwhile).
          const readRevision = latest.revision();
          if (readRevision !== null && revision !== null && readRevision < revision) { refreshAgain = true; continue; }
          apply(read, readRevision);
          done = true;
        } catch (error) {
          if (error.status === 404) { toast("This project was deleted elsewhere.", "error"); return false; }
          toast(`Couldn't show the latest changes: ${error.message}`, "error");
          return false;
        }
      } while (refreshAgain);
      return done;
    })().finally(() => { refreshing = null; });
    return refreshing;
  }

  /** Show the project as read at `latest` revision, keeping what the person is editing. */
  function apply(latest, latestRevision) {
    if (latestRevision !== null && revision !== null && latestRevision < revision) return;
    if (pendingOrderWrites > 0) {
      orderWrites.then(() => refresh()); // an order being saved is shown as the person made it
      return;
    }
    const { scenes: latestScenes, ...fields } = latest;
    const same = JSON.stringify(latestScenes) === JSON.stringify(scenes)
      && Object.entries(fields).every(([field, value]) => JSON.stringify(project[field]) === JSON.stringify(value));
    if (same) { revision = latestRevision; return; } // nothing to redraw (the page's own change)
    const before = new Map(scenes.map((scene) => [scene.id, scene]));
    project = { ...project, ...fields };
    scenes = latestScenes;
    revision = latestRevision;
    for (const scene of scenes) {
      const old = before.get(scene.id);
      const moved = old && old.order !== scene.order && movedElsewhere.has(scene.id);
      if (!old || moved || JSON.stringify({ ...old, order: 0 }) !== JSON.stringify({ ...scene, order: 0 })) highlight(scene.id);
    }
    movedElsewhere.clear();
    if (selectedId && !selected()) {
      if (drawer.isDirty()) {
        drawer.showNotice(el("div", { class: "conflict", role: "alert", dataset: { testid: "scene-gone" } },
          el("strong", {}, "This scene was deleted elsewhere."), " Your edits can't be saved: copy what you need, then close the editor."));
      } else {
        drawer.close();
        selectedId = null;
        toast("The scene you had open was deleted elsewhere.");
      }
    } else if (selected()) {
      drawer.sync(selected());
      const clashing = drawer.conflicts(selected());
      if (clashing.length) askAboutConflict(selected(), clashing, { saving: false });
    }
    setTitle(project.title);
    draw();
  }

  /** Whether the board shows every value the change set wrote already (the story panel
   * follows dossier changes itself). */
  function alreadyShown(changeSet) {
    return changeSet.changes.every((change) => {
      const after = change.after || {};
      if (change.entity === "dossier") return true;
      if (change.entity === "project") return Object.entries(after).every(([field, value]) => project[field] === value);
      const index = scenes.findIndex((scene) => scene.id === change.entity_id);
      if (change.action === "deleted") return index < 0;
      return index >= 0 && Object.entries(after).every(([field, value]) => (field === "order" ? index === value : scenes[index][field] === value));
    });
  }

  function highlight(sceneId) {
    clearTimeout(highlighted.get(sceneId));
    highlighted.set(sceneId, setTimeout(() => {
      highlighted.delete(sceneId);
      const item = board.node.querySelector(`[data-scene-id="${sceneId}"]`);
      if (item) item.classList.remove("live-changed");
    }, HIGHLIGHT_MS));
  }

  function showLiveState(state) {
    liveState.className = `live-state ${state}`;
    liveState.textContent = state === "live" ? "Live" : "Reconnecting…";
    liveState.title = state === "live" ? "Changes made elsewhere appear here as they happen" : "The live connection dropped; it comes back by itself";
  }

  async function loadHistory(before = null) {
    const query = new URLSearchParams({ limit: String(HISTORY_PAGE) });
    if (before !== null) query.set("before_revision", String(before));
    try {
      const page = await api(`/api/projects/${project.id}/history?${query}`);
      history.show(page.change_sets, { older: before !== null, hasMore: page.change_sets.length === HISTORY_PAGE });
    } catch (error) {
      history.showState("failed", `Couldn't load the history: ${error.message}`);
    }
  }

  followProject(project.id, {
    after: revision,
    onState: showLiveState,
    onChange: (changeSet) => {
      history.add(changeSet);
      if (changeSet.changes.some((change) => change.entity === "dossier")) followStory();
      for (const change of changeSet.changes) if (change.action === "moved") movedElsewhere.add(change.entity_id);
      if (revision !== null && changeSet.revision <= revision) return;
      // The page's own writes (and changes it already shows) need no reload: just its revision.
      if (revision !== null && !refreshing && alreadyShown(changeSet)) {
        revision = changeSet.revision;
        confirmed();
      } else refresh().then(confirmed);
    },
  });

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

  /** Before a new scene exists: the drawer closes, so nothing is typed into the scene it showed
   * while the new one is on its way (opening the new one would drop those edits). */
  function clearDrawer() {
    if (!drawer.isOpen) return;
    drawer.close();
    selectedId = null;
    draw();
  }

  async function addScene() {
    if (!confirmDiscard()) return;
    clearDrawer();
    try {
      const scene = await api(`/api/projects/${project.id}/scenes`, { method: "POST", body: { title: `Scene ${scenes.length + 1}` } });
      wrote();
      // The live stream may have brought the new scene already, while this answer was on its way.
      if (!scenes.some((shown) => shown.id === scene.id)) scenes = [...scenes, scene];
      openScene(scene.id, { force: true });
      drawer.focusTitle();
    } catch (error) {
      toast(`Couldn't add a scene: ${error.message}`, "error");
    }
  }

  async function duplicateScene() {
    const scene = selected();
    if (!scene || !confirmDiscard()) return;
    clearDrawer();
    try {
      const copy = await api(`/api/scenes/${scene.id}/duplicate`, { method: "POST" });
      wrote();
      if (!scenes.some((shown) => shown.id === copy.id)) {
        scenes = [...scenes.slice(0, copy.order), copy, ...scenes.slice(copy.order)].map((s, order) => ({ ...s, order }));
      }
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
      wrote();
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
      if (selected()) saveScene();
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
