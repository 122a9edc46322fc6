// The canvas: the project's ordered scenes on the left, the selected scene's editor on the right.
// One request loads it all; every change is saved explicitly and shows its state.
import { api } from "../api.js";
import { clear, el, loadProject, setTitle, toast } from "../ui.js";

const SCRIPT_LIMIT = 20000;

function isWebUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

const NARROW = window.matchMedia("(max-width: 820px)");

function placeholder(text) {
  return el("span", { class: "placeholder-art", dataset: { testid: "image-missing" } }, el("span", { class: "frame", "aria-hidden": "true" }), text);
}

/** What a picture that failed to load looks like: a crossed-out frame, never the "no image" one. */
function brokenArt(text) {
  return el("span", { class: "placeholder-art broken", role: "img", "aria-label": "Image failed to load", title: "The image at this address failed to load", dataset: { testid: "image-broken" } },
    el("span", { class: "frame", "aria-hidden": "true" }), text);
}

/**
 * An <img>, or what stands in for it: the "no image" placeholder without a URL, the broken look
 * once the URL failed. Failed URLs are remembered in `failed`, so a re-render does not fetch them
 * again.
 */
function image(url, { alt, missing, broken, testid, failed }) {
  if (!url) return placeholder(missing);
  if (failed.has(url)) return brokenArt(broken);
  const img = el("img", { src: url, alt, loading: "lazy", referrerpolicy: "no-referrer", dataset: { testid } });
  img.addEventListener("error", () => {
    failed.add(url);
    img.replaceWith(brokenArt(broken));
  }, { once: true });
  return img;
}

export async function render(root, { params: [projectId] }) {
  let project = await loadProject(root, projectId);
  if (!project) return;
  setTitle(project.title);
  let scenes = project.scenes;
  let selectedId = null;
  let draggedId = null;
  const failedImages = new Set();

  // --- project title and description, edited in place ---------------------------------------
  const projectState = el("span", { class: "save-state", role: "status", dataset: { testid: "project-save-state" } });
  const titleInput = el("input", { class: "inline-edit title", type: "text", value: project.title, maxlength: 200, "aria-label": "Project title", dataset: { testid: "project-title-input" } });
  const descriptionInput = el("input", { class: "inline-edit description", type: "text", value: project.description, maxlength: 2000, placeholder: "Add a short description…", "aria-label": "Project description", dataset: { testid: "project-description-input" } });

  async function saveProjectField(field, input) {
    if (input.value === project[field]) return;
    projectState.className = "save-state saving";
    projectState.textContent = "Saving…";
    try {
      const updated = await api(`/api/projects/${project.id}`, { method: "PUT", body: { [field]: input.value } });
      project = { ...project, ...updated };
      input.value = project[field];
      setTitle(project.title);
      projectState.className = "save-state saved";
      projectState.textContent = "Saved";
    } catch (error) {
      projectState.className = "save-state failed";
      projectState.textContent = `Couldn't save: ${error.message}`;
    }
  }
  for (const [field, input] of [["title", titleInput], ["description", descriptionInput]]) {
    input.addEventListener("change", () => saveProjectField(field, input));
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") input.blur(); });
  }

  // --- the scene list ------------------------------------------------------------------------
  const list = el("ol", { class: "scene-list", dataset: { testid: "scene-list" }, "aria-label": "Scenes in order" });
  const addButton = el("button", { type: "button", class: "button small", dataset: { testid: "add-scene" }, onclick: () => addScene() }, "+ Add scene");

  function sceneItem(scene, index) {
    const number = index + 1;
    const item = el("li", {
      class: "scene-item", draggable: "true", tabindex: "0",
      "aria-selected": String(scene.id === selectedId),
      dataset: { testid: "scene-item", sceneId: scene.id },
      onclick: () => selectScene(scene.id, { reveal: true }),
      onkeydown: (event) => {
        // Only the item's own keys: Enter or Space on a move button must reach the button.
        if (event.target !== item || (event.key !== "Enter" && event.key !== " ")) return;
        event.preventDefault();
        selectScene(scene.id, { reveal: true });
      },
    },
      el("span", { class: "scene-number" }, String(number)),
      el("span", { class: "scene-thumb" }, image(scene.image_url, { alt: "", missing: "", broken: "", testid: "scene-thumb", failed: failedImages })),
      el("span", { class: "scene-title" },
        el("span", { dataset: { testid: "scene-item-title" } }, scene.title),
        scene.script ? null : el("small", { class: "no-script", dataset: { testid: "no-script" } }, "No script yet")),
      el("span", { class: "scene-moves" },
        el("button", {
          type: "button", class: "button ghost", "aria-label": `Move scene ${number} up`, disabled: index === 0,
          dataset: { testid: "move-up" }, onclick: (event) => { event.stopPropagation(); moveBy(scene.id, -1); },
        }, "▲"),
        el("button", {
          type: "button", class: "button ghost", "aria-label": `Move scene ${number} down`, disabled: index === scenes.length - 1,
          dataset: { testid: "move-down" }, onclick: (event) => { event.stopPropagation(); moveBy(scene.id, 1); },
        }, "▼")));
    item.addEventListener("dragstart", (event) => {
      draggedId = scene.id;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", scene.id);
    });
    item.addEventListener("dragend", () => { draggedId = null; item.classList.remove("dragging"); clearDropMarks(); });
    item.addEventListener("dragover", (event) => {
      if (!draggedId || draggedId === scene.id) return;
      event.preventDefault();
      clearDropMarks();
      item.classList.add(dropAfter(event, item) ? "drop-after" : "drop-before");
    });
    item.addEventListener("drop", (event) => {
      event.preventDefault();
      const source = draggedId || event.dataTransfer.getData("text/plain");
      clearDropMarks();
      if (!source || source === scene.id) return;
      const ids = scenes.map((s) => s.id).filter((id) => id !== source);
      const at = ids.indexOf(scene.id) + (dropAfter(event, item) ? 1 : 0);
      ids.splice(at, 0, source);
      persistOrder(ids);
    });
    return item;
  }

  function dropAfter(event, item) {
    const box = item.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2;
  }

  function clearDropMarks() {
    for (const node of list.querySelectorAll(".drop-before, .drop-after")) node.classList.remove("drop-before", "drop-after");
  }

  /** Where the keyboard focus is in the list, so a re-render can put it back. */
  function focusedControl() {
    const active = document.activeElement;
    const item = active && list.contains(active) ? active.closest("[data-scene-id]") : null;
    return item ? { sceneId: item.dataset.sceneId, testid: active === item ? null : active.dataset.testid } : null;
  }

  function restoreFocus(focus) {
    if (!focus) return;
    const item = list.querySelector(`[data-scene-id="${focus.sceneId}"]`);
    if (!item) return;
    // A move button that became disabled (the scene reached an end) hands focus to its twin.
    const candidates = focus.testid ? [focus.testid, focus.testid === "move-up" ? "move-down" : "move-up"] : [];
    const target = candidates.map((testid) => item.querySelector(`[data-testid="${testid}"]`)).find((node) => node && !node.disabled);
    (target || item).focus();
  }

  function renderList() {
    const focus = focusedControl();
    list.replaceChildren(...scenes.map(sceneItem));
    restoreFocus(focus);
    emptyList.hidden = scenes.length > 0;
    sceneCount.textContent = `${scenes.length} scene${scenes.length === 1 ? "" : "s"}`;
  }

  // Order changes are shown at once and saved one after another, in the order they were made, so
  // quick repeated moves cannot land on the server out of order.
  let orderWrites = Promise.resolve();
  let pendingOrderWrites = 0;

  function persistOrder(ids) {
    const byId = new Map(scenes.map((scene) => [scene.id, scene]));
    scenes = ids.map((id, order) => ({ ...byId.get(id), order }));
    renderList();
    pendingOrderWrites += 1;
    orderWrites = orderWrites.then(async () => {
      try {
        const saved = await api(`/api/projects/${project.id}/scenes/order`, { method: "PUT", body: { scene_ids: ids } });
        if (pendingOrderWrites === 1) {
          scenes = saved;
          renderList();
        }
      } catch (error) {
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
    renderList();
    if (!selected()) selectScene(scenes.length ? scenes[0].id : null, { force: true });
  }

  function moveBy(sceneId, delta) {
    const ids = scenes.map((scene) => scene.id);
    const from = ids.indexOf(sceneId);
    const to = from + delta;
    if (to < 0 || to >= ids.length) return;
    ids.splice(from, 1);
    ids.splice(to, 0, sceneId);
    persistOrder(ids);
  }

  // --- the editor ----------------------------------------------------------------------------
  const editorTitle = el("input", { id: "scene-title", type: "text", maxlength: 200, dataset: { testid: "scene-title" } });
  const script = el("textarea", { id: "scene-script", rows: 12, "aria-describedby": "script-count", dataset: { testid: "scene-script" } });
  const scriptCount = el("span", { class: "hint", id: "script-count", "aria-live": "polite", dataset: { testid: "script-count" } });
  const imageUrl = el("input", { id: "scene-image", type: "url", maxlength: 2048, placeholder: "https://…", inputmode: "url", dataset: { testid: "scene-image-url" } });
  const preview = el("div", { class: "preview", dataset: { testid: "image-preview" }, "aria-live": "polite" });
  const saveState = el("span", { class: "save-state", role: "status", dataset: { testid: "save-state" } });
  const saveButton = el("button", { type: "submit", class: "button", dataset: { testid: "save-scene" } }, "Save");
  const heading = el("h2", { dataset: { testid: "editor-heading" } });
  const editorForm = el("form", { class: "card editor", novalidate: true, dataset: { testid: "scene-editor" } },
    el("div", { class: "editor-head" },
      el("button", { type: "button", class: "button ghost small back-to-scenes", dataset: { testid: "back-to-scenes" }, onclick: backToScenes }, "↑ All scenes"),
      heading,
      el("div", { class: "editor-actions" },
        saveState,
        saveButton,
        el("button", { type: "button", class: "button secondary", dataset: { testid: "duplicate-scene" }, onclick: () => duplicateScene() }, "Duplicate"),
        el("button", { type: "button", class: "button danger", dataset: { testid: "delete-scene" }, onclick: () => deleteScene() }, "Delete"))),
    el("div", { class: "field" }, el("label", { for: "scene-title" }, "Title"), editorTitle),
    el("div", { class: "field" },
      el("div", { class: "field-row" }, el("label", { for: "scene-script" }, "Script"), scriptCount),
      script),
    el("div", { class: "field image-field" },
      el("div", {}, el("label", { for: "scene-image" }, "Image URL"), imageUrl,
        el("div", { class: "hint" }, "A link to a still or reference image (http or https).")),
      preview));
  const emptyEditor = el("div", { class: "empty", dataset: { testid: "editor-empty" } },
    el("strong", {}, "Pick a scene to edit it"), "Or add one with “+ Add scene”.");
  const emptyList = el("div", { class: "empty", dataset: { testid: "scenes-empty" } },
    el("strong", {}, "No scenes yet"),
    "Break your video into scenes: add the first one, or ",
    el("a", { href: `/chat/${project.id}` }, "ask the assistant"), " to draft them.");
  const sceneCount = el("span", { class: "hint" });

  const selected = () => scenes.find((scene) => scene.id === selectedId);

  function draft() {
    return { title: editorTitle.value, script: script.value, image_url: imageUrl.value.trim() || null };
  }

  function isDirty() {
    const scene = selected();
    if (!scene) return false;
    const current = draft();
    return current.title !== scene.title || current.script !== scene.script || current.image_url !== (scene.image_url || null);
  }

  function showState(kind, text) {
    saveState.className = `save-state ${kind}`;
    saveState.textContent = text;
  }

  function updateCount() {
    const length = script.value.length;
    scriptCount.textContent = `${length.toLocaleString()} / ${SCRIPT_LIMIT.toLocaleString()}`;
    scriptCount.classList.toggle("over", length > SCRIPT_LIMIT);
  }

  let previewTimer;
  function updatePreview() {
    const url = imageUrl.value.trim();
    if (!url) preview.replaceChildren(placeholder("No image"));
    else if (!isWebUrl(url)) preview.replaceChildren(placeholder("Not a web address"));
    else preview.replaceChildren(image(url, { alt: "Preview of the scene image", missing: "No image", broken: "Can't load image", testid: "preview-image", failed: failedImages }));
  }

  function onEdit() {
    if (isDirty()) showState("dirty", "Unsaved changes");
    else showState("", "");
  }
  editorTitle.addEventListener("input", onEdit);
  script.addEventListener("input", () => { updateCount(); onEdit(); });
  imageUrl.addEventListener("input", () => {
    onEdit();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(updatePreview, 250);
  });

  function fillEditor(scene) {
    heading.textContent = `Scene ${scenes.indexOf(scene) + 1}`;
    editorTitle.value = scene.title;
    script.value = scene.script;
    imageUrl.value = scene.image_url || "";
    updateCount();
    updatePreview();
    showState("", "");
  }

  function confirmDiscard() {
    const scene = selected();
    return !isDirty() || window.confirm(`You have unsaved changes to “${scene.title}”. Discard them?`);
  }

  /** `reveal`: the person chose the scene, so on a one-column screen the editor scrolls into view. */
  function selectScene(sceneId, { force = false, reveal = false } = {}) {
    if (sceneId !== selectedId) {
      if (!force && !confirmDiscard()) return;
      selectedId = sceneId;
      const scene = selected();
      editorForm.hidden = !scene;
      emptyEditor.hidden = Boolean(scene);
      for (const item of list.children) item.setAttribute("aria-selected", String(item.dataset.sceneId === sceneId));
      if (scene) fillEditor(scene);
    }
    if (reveal && NARROW.matches && selected()) editorForm.scrollIntoView({ block: "start" });
  }

  function backToScenes() {
    const item = list.querySelector(`[data-scene-id="${selectedId}"]`);
    if (!item) return;
    item.scrollIntoView({ block: "center" });
    item.focus({ preventScroll: true });
  }

  function replaceScene(updated) {
    scenes = scenes.map((scene) => (scene.id === updated.id ? updated : scene));
  }

  async function saveScene() {
    const scene = selected();
    if (!scene) return;
    showState("saving", "Saving…");
    saveButton.disabled = true;
    try {
      const updated = await api(`/api/scenes/${scene.id}`, { method: "PUT", body: draft() });
      replaceScene(updated);
      renderList();
      fillEditor(updated);
      showState("saved", "Saved");
    } catch (error) {
      showState("failed", `Couldn't save: ${error.message}`);
    } finally {
      saveButton.disabled = false;
    }
  }
  editorForm.addEventListener("submit", (event) => { event.preventDefault(); saveScene(); });

  async function addScene() {
    if (!confirmDiscard()) return;
    try {
      const scene = await api(`/api/projects/${project.id}/scenes`, { method: "POST", body: { title: `Scene ${scenes.length + 1}` } });
      scenes = [...scenes, scene];
      renderList();
      selectScene(scene.id, { force: true });
      editorTitle.focus();
      editorTitle.select();
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
      renderList();
      selectScene(copy.id, { force: true });
      toast("Scene duplicated.");
    } catch (error) {
      toast(`Couldn't duplicate: ${error.message}`, "error");
    }
  }

  async function deleteScene() {
    const scene = selected();
    if (!scene) return;
    if (!window.confirm(`Delete scene ${scenes.indexOf(scene) + 1} “${scene.title}”? This cannot be undone.`)) return;
    try {
      await api(`/api/scenes/${scene.id}`, { method: "DELETE" });
      const index = scenes.indexOf(scene);
      scenes = scenes.filter((s) => s.id !== scene.id).map((s, order) => ({ ...s, order }));
      renderList();
      const neighbour = scenes[Math.min(index, scenes.length - 1)];
      selectScene(neighbour ? neighbour.id : null, { force: true });
      toast("Scene deleted.");
    } catch (error) {
      toast(`Couldn't delete: ${error.message}`, "error");
    }
  }

  // --- keyboard and leaving ------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      if (selected()) saveScene();
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  clear(root).append(
    el("div", { class: "canvas-head" },
      el("div", { class: "breadcrumb" }, el("a", { href: "/projects" }, "Projects"), " / Canvas"),
      el("div", { class: "page-header" },
        el("div", { class: "grow" }, titleInput, descriptionInput, projectState),
        el("a", { class: "button secondary", href: `/chat/${project.id}`, dataset: { testid: "open-chat" } }, "Plan with the assistant"))),
    el("div", { class: "canvas-layout" },
      el("section", { class: "card scene-panel", "aria-label": "Scenes" },
        el("div", { class: "scene-panel-head" }, sceneCount, addButton),
        emptyList,
        list),
      el("div", {}, editorForm, emptyEditor)),
  );
  renderList();
  editorForm.hidden = true;
  if (scenes.length) selectScene(scenes[0].id, { force: true });
  root.dataset.ready = "true";
  performance.mark("canvas-ready");
}
