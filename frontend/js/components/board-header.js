// The board's header: the project's title and description (edited in place), the running time
// against the target, the scene count, the aspect-ratio switch, the view switch and the actions.
import { el } from "../ui.js";
import { ASPECT_RATIOS, formatRuntime, parseRuntime } from "../storyboard.js";

/** `actions`: more nodes for the header's action row (live state, history, sharing, review comments). */
export function createBoardHeader({ project, onProjectChange, onView, onAdd, onStory, actions = [] }) {
  const state = el("span", { class: "save-state", role: "status", dataset: { testid: "project-save-state" } });
  const title = el("input", { class: "inline-edit title", type: "text", value: project.title, maxlength: 200, "aria-label": "Project title", dataset: { testid: "project-title-input" } });
  const description = el("input", { class: "inline-edit description", type: "text", value: project.description, maxlength: 2000, placeholder: "Add a logline…", "aria-label": "Project description", dataset: { testid: "project-description-input" } });
  const runtime = el("strong", { class: "runtime-value", dataset: { testid: "total-runtime" } });
  const meter = el("span", { class: "runtime-meter", "aria-hidden": "true" }, el("span", { class: "runtime-fill" }));
  const target = el("input", { class: "target-input", type: "text", inputmode: "numeric", placeholder: "—", "aria-label": "Target length (m:ss)", title: "Target length: seconds or m:ss", dataset: { testid: "target-duration" } });
  const sceneCount = el("span", { class: "stat-value", dataset: { testid: "scene-count" } });
  const ratioButtons = ASPECT_RATIOS.map(([value, label, name]) => el("button", {
    type: "button", class: "segment", role: "radio", "aria-checked": "false", title: `${name} (${value})`,
    "aria-label": `${name} ${value}`, dataset: { testid: `aspect-${value}`, ratio: value },
    onclick: () => choose(value),
  }, el("span", { class: "ratio-icon", dataset: { ratio: value }, "aria-hidden": "true" }), label));
  const viewButtons = [["board", "Board"], ["list", "List"]].map(([value, label]) => el("button", {
    type: "button", class: "segment", role: "radio", "aria-checked": "false", dataset: { testid: `view-${value}`, view: value },
    onclick: () => onView(value),
  }, label));

  let current = project;

  function showState(kind, text) {
    state.className = `save-state ${kind}`;
    state.textContent = text;
  }

  async function save(changes, revert) {
    showState("saving", "Saving…");
    try {
      await onProjectChange(changes);
      showState("saved", "Saved");
    } catch (error) {
      revert();
      showState("failed", `Couldn't save: ${error.message}`);
    }
  }

  function choose(ratio) {
    if (ratio === current.aspect_ratio) return;
    const before = current.aspect_ratio;
    save({ aspect_ratio: ratio }, () => update({ ...current, aspect_ratio: before }));
  }

  for (const [field, input] of [["title", title], ["description", description]]) {
    input.addEventListener("change", () => {
      if (input.value === current[field]) return;
      save({ [field]: input.value }, () => { input.value = current[field]; });
    });
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") input.blur(); });
  }
  target.addEventListener("change", () => {
    const seconds = parseRuntime(target.value);
    if (Number.isNaN(seconds)) {
      showState("failed", "Target: write seconds (90) or minutes:seconds (1:30)");
      return;
    }
    save({ target_duration_seconds: seconds }, () => update(current));
  });
  target.addEventListener("keydown", (event) => { if (event.key === "Enter") target.blur(); });

  const node = el("header", { class: "board-header" },
    el("div", { class: "breadcrumb" }, el("a", { href: "/projects" }, "Projects"), " / Storyboard"),
    el("div", { class: "board-title-row" },
      el("div", { class: "grow" }, title, description, state),
      el("div", { class: "board-actions" },
        el("button", { type: "button", class: "button secondary", dataset: { testid: "open-story" }, onclick: () => onStory() }, "Story"),
        ...actions,
        el("a", { class: "button secondary", href: `/chat/${project.id}`, dataset: { testid: "open-chat" } }, "Ask the assistant"),
        el("button", { type: "button", class: "button", dataset: { testid: "add-scene" }, onclick: () => onAdd() }, "+ Add scene"))),
    el("div", { class: "board-toolbar" },
      el("div", { class: "stats" },
        el("div", { class: "stat runtime" },
          el("span", { class: "stat-label" }, "Runtime"),
          el("span", { class: "runtime-line" }, runtime, el("span", { class: "runtime-of" }, "of"), target),
          meter),
        el("div", { class: "stat" }, el("span", { class: "stat-label" }, "Scenes"), sceneCount)),
      el("div", { class: "switches" },
        el("div", { class: "segmented ratios", role: "radiogroup", "aria-label": "Aspect ratio", dataset: { testid: "aspect-ratio" } }, ...ratioButtons),
        el("div", { class: "segmented", role: "radiogroup", "aria-label": "View" }, ...viewButtons))));

  function update(next, scenes = null, view = null) {
    current = next;
    if (document.activeElement !== title) title.value = next.title;
    if (document.activeElement !== description) description.value = next.description;
    const total = next.total_duration_seconds || 0;
    const goal = next.target_duration_seconds;
    runtime.textContent = formatRuntime(total);
    if (document.activeElement !== target) target.value = goal ? formatRuntime(goal) : "";
    const over = goal && total > goal;
    node.classList.toggle("over-target", Boolean(over));
    meter.hidden = !goal;
    meter.firstChild.dataset.fill = goal ? String(Math.min(10, Math.round((total / goal) * 10))) : "0";
    for (const button of ratioButtons) button.setAttribute("aria-checked", String(button.dataset.ratio === next.aspect_ratio));
    if (scenes) sceneCount.textContent = String(scenes.length);
    if (view) for (const button of viewButtons) button.setAttribute("aria-checked", String(button.dataset.view === view));
  }

  return { node, update, showState };
}
