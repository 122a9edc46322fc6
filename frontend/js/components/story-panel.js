// The story dossier beside the board: characters (with relationships and arcs), themes, locations
// and plot points, each edited in place (saved when a field is left), added and removed. It
// reports intents (add, change one field, remove, close); the page talks to the server, and
// shows here what changed elsewhere (the assistant, another tab) once the person stops editing.
import { KINDS } from "../dossier.js";
import { clear, el } from "../ui.js";

function fieldValue(kind, field, item) {
  return kind === "lines" ? (item[field] || []).join("\n") : item[field] || "";
}

function parsed(kind, value) {
  return kind === "lines" ? value.split("\n").map((line) => line.trim()).filter(Boolean) : value;
}

export function createStoryPanel({ onAdd, onChange, onRemove, onClose }) {
  const sections = new Map();
  const state = el("span", { class: "save-state", role: "status", dataset: { testid: "story-state" } });

  function showState(kind, text) {
    state.className = `save-state ${kind}`;
    state.textContent = text;
  }

  let saving = 0;

  async function attempt(work, done) {
    showState("saving", "Saving…");
    saving += 1;
    try {
      await work();
      showState("saved", done);
      return true;
    } catch (error) {
      showState("failed", `Couldn't save: ${error.message}`);
      return false;
    } finally {
      saving -= 1;
      runIdle();
    }
  }

  function itemNode(kind, item) {
    const label = item[kind.label];
    const inputs = kind.fields.map(([field, text, type, max]) => {
      const input = type === "input"
        ? el("input", { type: "text", maxlength: max, value: fieldValue(type, field, item) })
        : el("textarea", { rows: 2, maxlength: type === "lines" ? undefined : max });
      if (type !== "input") input.value = fieldValue(type, field, item);
      input.setAttribute("aria-label", `${text} of ${label}`);
      input.dataset.testid = `story-${field}`;
      input.addEventListener("change", async () => {
        const saved = await attempt(() => onChange(kind.name, item.id, { [field]: parsed(type, input.value) }), "Saved");
        if (!saved) input.value = fieldValue(type, field, item);
      });
      return field === kind.label ? input : el("label", { class: "story-field" }, el("span", { class: "stat-label" }, text), input);
    });
    const remove = el("button", {
      type: "button", class: "button ghost icon small", "aria-label": `Remove ${label}`, title: `Remove this ${kind.singular}`,
      dataset: { testid: "story-remove" },
      onclick: () => {
        if (window.confirm(`Remove the ${kind.singular} “${label}” from the story?`)) attempt(() => onRemove(kind.name, item.id), "Removed");
      },
    }, "✕");
    return el("li", { class: "story-item", dataset: { testid: `story-${kind.name}-item`, itemId: item.id } },
      el("div", { class: "story-item-head" }, inputs[0], remove), ...inputs.slice(1));
  }

  function sectionNode(kind) {
    const count = el("span", { class: "story-count" });
    const list = el("ul", { class: "story-list" });
    const newLabel = el("input", {
      type: "text", maxlength: kind.fields[0][3], placeholder: `New ${kind.singular}…`,
      "aria-label": `New ${kind.singular}`, dataset: { testid: `story-new-${kind.name}` },
    });
    const form = el("form", { class: "story-add" }, newLabel,
      el("button", { type: "submit", class: "button secondary small", dataset: { testid: `story-add-${kind.name}` } }, "Add"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = newLabel.value.trim();
      if (!text) { newLabel.focus(); return; }
      if (await attempt(() => onAdd(kind.name, { [kind.label]: text }), "Added")) newLabel.value = "";
    });
    const node = el("section", { class: "story-section", dataset: { testid: `story-${kind.name}` } },
      el("h3", {}, kind.title, " ", count), list, form);
    sections.set(kind.name, { count, list });
    return node;
  }

  const node = el("aside", { class: "story-panel", hidden: true, "aria-labelledby": "story-heading", dataset: { testid: "story-panel" } },
    el("div", { class: "story-head" },
      el("h2", { id: "story-heading" }, "Story"),
      state,
      el("button", { type: "button", class: "button ghost icon close", "aria-label": "Close the story panel", dataset: { testid: "close-story" }, onclick: () => onClose() }, "✕")),
    el("p", { class: "hint" }, "Who is in it, what it is about, where it happens. The assistant keeps this up to date too."),
    ...KINDS.map(sectionNode));

  /** Show the dossier; a field the person is typing in keeps what they typed. */
  function render(dossier) {
    for (const kind of KINDS) {
      const { count, list } = sections.get(kind.name);
      const items = dossier[kind.name];
      count.textContent = items.length ? String(items.length) : "";
      const typing = document.activeElement && document.activeElement.matches("input, textarea");
      if (typing && list.contains(document.activeElement)) continue;
      clear(list).append(...items.map((item) => itemNode(kind, item)));
    }
  }

  // What to do once the person leaves the panel's fields and their last edit is saved (a change
  // made elsewhere, to show): showing it sooner would put back what they are typing or saving.
  let idle = null;
  // An item's field (a new item's name is never redrawn, so typing one holds nothing up).
  const isField = (target) => Boolean(target && target.matches(".story-item input, .story-item textarea") && node.contains(target));
  function runIdle(next = document.activeElement) {
    if (!idle || saving > 0 || isField(next)) return;
    const then = idle;
    idle = null;
    then();
  }
  node.addEventListener("focusout", (event) => runIdle(event.relatedTarget));

  return {
    node,
    render,
    get isOpen() { return !node.hidden; },
    /** Run `callback` once the person leaves the panel's fields and nothing is being saved (at
     * once if so already). */
    whenIdle(callback) {
      idle = callback;
      runIdle();
    },
    open() { node.hidden = false; },
    close() { node.hidden = true; idle = null; },
  };
}
