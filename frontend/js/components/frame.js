// One frame of the board: the picture at the project's ratio, its number and duration, the title,
// shot size and camera, and the first lines of the script. The same element is a row in the list
// view (the board's stylesheet lays it out).
import { counted, el } from "../ui.js";
import { cameraLabel, formatDuration, scriptPreview, shotLabel } from "../storyboard.js";
import { picture } from "./picture.js";

/**
 * `handlers`: open(sceneId), move(sceneId, delta), dropFile(sceneId, file) and the drag events
 * the board wires up; the frame itself never talks to the server. `readOnly`: a shared board's
 * frame, which opens but cannot be dragged or moved. `comments`: open review comments on it.
 */
export function frame(scene, { index, count, selected, failed, uploading, view, readOnly = false, comments = 0 }) {
  const [earlier, later] = view === "list" ? ["↑", "↓"] : ["←", "→"];
  const number = index + 1;
  const shot = shotLabel(scene.shot_size);
  const camera = cameraLabel(scene.camera_movement);
  const script = scriptPreview(scene.script);
  const duration = formatDuration(scene.duration_seconds);
  return el("li", {
    class: `frame${selected ? " selected" : ""}${uploading ? " uploading" : ""}`,
    draggable: readOnly ? false : "true", tabindex: "0",
    "aria-current": selected ? "true" : false,
    "aria-label": `Scene ${number}: ${scene.title}${comments ? ` (${counted(comments, "open comment")})` : ""}`,
    "aria-keyshortcuts": readOnly ? false : "Alt+ArrowLeft Alt+ArrowRight",
    dataset: { testid: "scene-item", sceneId: scene.id },
  },
    el("div", { class: "frame-picture", dataset: { testid: "frame-picture" } },
      picture(scene.thumbnail_src, { alt: "", missing: "No picture", broken: "Can't load", testid: "scene-thumb", failed }),
      el("span", { class: "frame-number", "aria-hidden": "true" }, String(number)),
      duration ? el("span", { class: "duration-badge", dataset: { testid: "frame-duration" } }, duration) : null,
      comments ? el("span", { class: "comment-badge", "aria-hidden": "true", title: "Open review comments", dataset: { testid: "frame-comments" } }, String(comments)) : null,
      uploading ? el("span", { class: "frame-uploading", role: "status" }, "Uploading…") : null),
    el("div", { class: "frame-body" },
      el("div", { class: "frame-heading" },
        el("span", { class: "frame-index", "aria-hidden": "true" }, String(number)),
        el("span", { class: "frame-title", dataset: { testid: "scene-item-title" } }, scene.title)),
      shot || camera
        ? el("div", { class: "frame-tags" },
          shot ? el("span", { class: "tag shot", dataset: { testid: "frame-shot" } }, shot) : null,
          camera ? el("span", { class: "tag", dataset: { testid: "frame-camera" } }, camera) : null)
        : null,
      script
        ? el("p", { class: "frame-script", dataset: { testid: "frame-script" } }, script)
        : el("small", { class: "no-script", dataset: { testid: "no-script" } }, "No script yet"),
      el("span", { class: "list-duration", "aria-hidden": "true" }, duration || "—")),
    readOnly ? null : el("div", { class: "frame-moves" },
      el("button", {
        type: "button", class: "button ghost icon", "aria-label": `Move scene ${number} earlier`, disabled: index === 0,
        dataset: { testid: "move-up", move: "-1" },
      }, earlier),
      el("button", {
        type: "button", class: "button ghost icon", "aria-label": `Move scene ${number} later`, disabled: index === count - 1,
        dataset: { testid: "move-down", move: "1" },
      }, later)));
}
