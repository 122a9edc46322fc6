// The scene editor, a drawer beside the board (a full sheet on a phone): every field of the
// scene, and its picture by upload (button, drop, paste) or by URL. It reports intents (save,
// upload, remove the picture, duplicate, delete, close); the page talks to the server.
// Edits are kept against a base (the values the person started from): a live update changes
// only the fields the person has not touched, and a save sends only the touched ones.
import { el } from "../ui.js";
import { CAMERA_MOVEMENTS, SHOT_SIZES } from "../storyboard.js";
import { carriesFiles, imageFiles, picture, placeholder } from "./picture.js";

const SCRIPT_LIMIT = 20000;
const TEXT_LIMIT = 5000;

function isWebUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function select(id, testid, options, empty) {
  return el("select", { id, dataset: { testid } },
    el("option", { value: "" }, empty),
    ...options.map(([value, label]) => el("option", { value }, label)));
}

function counter(id, testid) {
  return el("span", { class: "hint", id, "aria-live": "polite", dataset: { testid } });
}

export function createDrawer({ onSave, onUpload, onRemovePicture, onDuplicate, onDelete, onClose, failed }) {
  const heading = el("h2", { id: "drawer-heading", dataset: { testid: "editor-heading" } });
  const title = el("input", { id: "scene-title", type: "text", maxlength: 200, dataset: { testid: "scene-title" } });
  const duration = el("input", { id: "scene-duration", type: "number", min: "0.1", max: "3600", step: "0.1", inputmode: "decimal", placeholder: "—", dataset: { testid: "scene-duration" } });
  const shot = select("scene-shot", "scene-shot", SHOT_SIZES, "Not set");
  const camera = select("scene-camera", "scene-camera", CAMERA_MOVEMENTS, "Not set");
  const script = el("textarea", { id: "scene-script", rows: 7, "aria-describedby": "script-count", dataset: { testid: "scene-script" } });
  const scriptCount = counter("script-count", "script-count");
  const audio = el("textarea", { id: "scene-audio", rows: 3, maxlength: TEXT_LIMIT, placeholder: "Dialogue, voice-over, music, effects", dataset: { testid: "scene-audio" } });
  const notes = el("textarea", { id: "scene-notes", rows: 3, maxlength: TEXT_LIMIT, placeholder: "Props, wardrobe, location, lenses…", dataset: { testid: "scene-notes" } });
  const imageUrl = el("input", { id: "scene-image", type: "url", maxlength: 2048, placeholder: "https://…", inputmode: "url", dataset: { testid: "scene-image-url" } });
  const fileInput = el("input", { type: "file", accept: "image/png,image/jpeg,image/webp,image/gif", class: "visually-hidden", tabindex: "-1", dataset: { testid: "picture-file" } });
  const preview = el("div", { class: "drawer-picture", dataset: { testid: "image-preview" }, "aria-live": "polite" });
  const pictureState = el("span", { class: "save-state", role: "status", dataset: { testid: "picture-state" } });
  const uploadButton = el("button", { type: "button", class: "button secondary small", dataset: { testid: "upload-picture" }, onclick: () => fileInput.click() }, "Upload picture");
  const removeButton = el("button", { type: "button", class: "button ghost small", dataset: { testid: "remove-picture" }, onclick: () => onRemovePicture() }, "Remove upload");
  const notice = el("div", { class: "drawer-notice", hidden: true, dataset: { testid: "drawer-notice" } });
  const saveState = el("span", { class: "save-state", role: "status", dataset: { testid: "save-state" } });
  const saveButton = el("button", { type: "submit", class: "button", dataset: { testid: "save-scene" } }, "Save");
  const closeButton = el("button", { type: "button", class: "button ghost icon close", "aria-label": "Close the editor", dataset: { testid: "close-drawer" }, onclick: () => onClose() }, "✕");

  const form = el("form", { class: "drawer-form", novalidate: true },
    el("div", { class: "drawer-head" },
      heading,
      el("div", { class: "drawer-head-actions" }, saveState, closeButton)),
    el("div", { class: "drawer-scroll" },
      notice,
      el("div", { class: "field picture-field" },
        preview,
        el("div", { class: "picture-actions" }, uploadButton, removeButton, pictureState),
        el("div", { class: "hint" }, "Drop a picture here, paste one (Ctrl+V), or link one below."),
        fileInput),
      el("div", { class: "field" }, el("label", { for: "scene-title" }, "Title"), title),
      el("div", { class: "field-grid" },
        el("div", { class: "field" }, el("label", { for: "scene-duration" }, "Duration (s)"), duration),
        el("div", { class: "field" }, el("label", { for: "scene-shot" }, "Shot size"), shot),
        el("div", { class: "field" }, el("label", { for: "scene-camera" }, "Camera"), camera)),
      el("div", { class: "field" },
        el("div", { class: "field-row" }, el("label", { for: "scene-script" }, "Script"), scriptCount),
        script),
      el("div", { class: "field" }, el("label", { for: "scene-audio" }, "Audio"), audio),
      el("div", { class: "field" }, el("label", { for: "scene-notes" }, "Notes"), notes),
      el("div", { class: "field" }, el("label", { for: "scene-image" }, "Image URL"), imageUrl,
        el("div", { class: "hint" }, "A link to a still or reference (http or https); an uploaded picture is shown instead."))),
    el("div", { class: "drawer-foot" },
      saveButton,
      el("button", { type: "button", class: "button secondary", dataset: { testid: "duplicate-scene" }, onclick: () => onDuplicate() }, "Duplicate"),
      el("button", { type: "button", class: "button danger", dataset: { testid: "delete-scene" }, onclick: () => onDelete() }, "Delete")));
  const node = el("aside", { class: "drawer", "aria-labelledby": "drawer-heading", hidden: true, dataset: { testid: "scene-editor" } }, form);

  let scene = null;
  let base = null; // the values the draft is edited from
  let ratio = "16:9";

  function draft() {
    const seconds = duration.value.trim();
    return {
      title: title.value,
      script: script.value,
      duration_seconds: seconds === "" ? null : Number(seconds),
      shot_size: shot.value || null,
      camera_movement: camera.value || null,
      audio: audio.value,
      notes: notes.value,
      image_url: imageUrl.value.trim() || null,
    };
  }

  /** A scene's values in the shape of `draft()`. */
  function valuesOf(item) {
    return {
      title: item.title,
      script: item.script,
      duration_seconds: item.duration_seconds ?? null,
      shot_size: item.shot_size ?? null,
      camera_movement: item.camera_movement ?? null,
      audio: item.audio ?? "",
      notes: item.notes ?? "",
      image_url: item.image_url ?? null,
    };
  }

  function setField(field, value) {
    const input = { title, script, shot_size: shot, camera_movement: camera, audio, notes, image_url: imageUrl, duration_seconds: duration }[field];
    input.value = value ?? "";
  }

  /** The fields the person changed, with their new values. */
  function changes() {
    if (!scene) return {};
    return Object.fromEntries(Object.entries(draft()).filter(([field, value]) => value !== base[field]));
  }

  const isDirty = () => Object.keys(changes()).length > 0;

  /** The fields the person changed that `latest` (the scene as it is now) changed too, to
   * something else. */
  function conflicts(latest) {
    const now = valuesOf(latest);
    return Object.entries(changes()).filter(([field, value]) => now[field] !== base[field] && now[field] !== value).map(([field]) => field);
  }

  function showState(kind, text) {
    saveState.className = `save-state ${kind}`;
    saveState.textContent = text;
  }

  function showPictureState(kind, text) {
    pictureState.className = `save-state ${kind}`;
    pictureState.textContent = text;
  }

  function updateCount() {
    const length = script.value.length;
    scriptCount.textContent = `${length.toLocaleString()} / ${SCRIPT_LIMIT.toLocaleString()}`;
    scriptCount.classList.toggle("over", length > SCRIPT_LIMIT);
  }

  function updatePreview() {
    preview.dataset.ratio = ratio;
    const url = imageUrl.value.trim();
    const uploaded = Boolean(scene && scene.image_file_id);
    const source = uploaded ? scene.image_src : url;
    if (!source) preview.replaceChildren(placeholder("No picture yet"));
    else if (!uploaded && !isWebUrl(url)) preview.replaceChildren(placeholder("Not a web address"));
    else preview.replaceChildren(picture(source, { alt: "The scene's picture", missing: "No picture yet", broken: "Can't load image", testid: "preview-image", failed, eager: true }));
    removeButton.hidden = !uploaded;
  }

  let previewTimer;
  const onEdit = () => showState(isDirty() ? "dirty" : "", isDirty() ? "Unsaved changes" : "");
  for (const input of [title, duration, shot, camera, audio, notes]) input.addEventListener("input", onEdit);
  script.addEventListener("input", () => { updateCount(); onEdit(); });
  imageUrl.addEventListener("input", () => {
    onEdit();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(updatePreview, 250);
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); onSave(draft()); });
  fileInput.addEventListener("change", () => {
    if (fileInput.files.length) onUpload(fileInput.files[0]);
    fileInput.value = "";
  });
  node.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); onClose(); }
  });
  // A picture dropped anywhere on the drawer goes to this scene.
  node.addEventListener("dragover", (event) => {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    preview.classList.add("drop-file");
  });
  node.addEventListener("dragleave", (event) => {
    if (!node.contains(event.relatedTarget)) preview.classList.remove("drop-file");
  });
  node.addEventListener("drop", (event) => {
    const files = imageFiles(event.dataTransfer);
    preview.classList.remove("drop-file");
    if (!files.length) return;
    event.preventDefault();
    onUpload(files[0]);
  });

  function fill(values) {
    for (const [field, value] of Object.entries(values)) setField(field, value);
    updateCount();
    updatePreview();
    if (!isDirty() && saveState.classList.contains("dirty")) showState("", "");
  }

  return {
    node,
    draft,
    isDirty,
    changes,
    conflicts,
    valuesOf,
    /** A newer version of the open scene: the fields the person has not touched follow it. */
    sync(latest) {
      if (!scene || latest.id !== scene.id) return;
      const now = valuesOf(latest);
      const touched = changes();
      const follow = Object.fromEntries(Object.entries(now).filter(([field, value]) => !(field in touched) || touched[field] === value));
      scene = latest;
      base = { ...base, ...follow };
      fill(follow);
    },
    /** Give up the person's edits of `fields` for `latest`'s values. */
    takeTheirs(latest, fields) {
      const now = valuesOf(latest);
      const taken = Object.fromEntries(fields.map((field) => [field, now[field]]));
      scene = latest;
      base = { ...base, ...taken };
      fill(taken);
    },
    /** The person keeps their edits over `latest`: they now edit from it. */
    rebase(latest) {
      const touched = changes();
      const now = valuesOf(latest);
      scene = latest;
      base = now;
      fill(Object.fromEntries(Object.entries(now).filter(([field]) => !(field in touched))));
    },
    /** Show `content` (a node) above the fields, or nothing. */
    showNotice(content) {
      notice.replaceChildren(...(content ? [content] : []));
      notice.hidden = !content;
    },
    showState,
    showPictureState,
    get sceneId() { return scene ? scene.id : null; },
    get isOpen() { return !node.hidden; },
    saving(busy) { saveButton.disabled = busy; },
    uploading(busy) { uploadButton.disabled = busy; },
    /** Show `next` (a scene) numbered `number`; `keepEdits`: only the picture changed. */
    open(next, number, frameRatio, { keepEdits = false } = {}) {
      const same = scene && scene.id === next.id;
      scene = next;
      ratio = frameRatio;
      heading.textContent = `Scene ${number}`;
      if (!(same && keepEdits)) {
        base = valuesOf(next);
        notice.replaceChildren();
        notice.hidden = true;
        title.value = next.title;
        duration.value = next.duration_seconds ?? "";
        shot.value = next.shot_size || "";
        camera.value = next.camera_movement || "";
        script.value = next.script;
        audio.value = next.audio || "";
        notes.value = next.notes || "";
        imageUrl.value = next.image_url || "";
        showState("", "");
        if (!same) showPictureState("", "");
      }
      updateCount();
      updatePreview();
      node.hidden = false;
    },
    close() {
      node.hidden = true;
      scene = null;
      base = null;
    },
    focusTitle() { title.focus(); title.select(); },
    reveal() { heading.scrollIntoView({ block: "start" }); },
  };
}
