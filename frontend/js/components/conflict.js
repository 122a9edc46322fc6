// What to do when a scene the person is editing was changed elsewhere (by the assistant, another
// tab, a script): each field both changed, theirs beside yours, and the two ways on — keep
// yours (saved over theirs) or take theirs. Nothing is decided for the person.
import { el, shortened } from "../ui.js";
import { cameraLabel, formatDuration, shotLabel } from "../storyboard.js";

const LABELS = {
  title: "Title", script: "Script", duration_seconds: "Duration", shot_size: "Shot size",
  camera_movement: "Camera", audio: "Audio", notes: "Notes", image_url: "Image URL",
};
const PREVIEW = 140;

function shown(field, value) {
  if (value === null || value === undefined || value === "") return "(empty)";
  const text = field === "shot_size" ? shotLabel(value)
    : field === "camera_movement" ? cameraLabel(value)
      : field === "duration_seconds" ? formatDuration(value)
        : String(value);
  return shortened(text, PREVIEW);
}

/** `theirs`, `mine`: the field values (in the drawer's draft shape) for each of `fields`. */
export function conflictNotice({ fields, theirs, mine, onKeepMine, onTakeTheirs }) {
  return el("div", { class: "conflict", role: "alert", dataset: { testid: "conflict" } },
    el("strong", {}, "This scene was changed elsewhere while you were editing it."),
    el("ul", { class: "conflict-fields" }, ...fields.map((field) => el("li", { dataset: { testid: "conflict-field", field } },
      el("span", { class: "conflict-label" }, LABELS[field] || field),
      el("span", { class: "conflict-theirs" }, "Now: ", el("q", { dataset: { testid: "conflict-theirs" } }, shown(field, theirs[field]))),
      el("span", { class: "conflict-mine" }, "Yours: ", el("q", { dataset: { testid: "conflict-mine" } }, shown(field, mine[field])))))),
    el("div", { class: "conflict-actions" },
      el("button", { type: "button", class: "button small", dataset: { testid: "keep-mine" }, onclick: () => onKeepMine() }, "Keep mine"),
      el("button", { type: "button", class: "button secondary small", dataset: { testid: "take-theirs" }, onclick: () => onTakeTheirs() }, "Take theirs")));
}
