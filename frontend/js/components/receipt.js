// A chat turn's receipt, under its answer: what the assistant changed, in words, with Undo
// (and Redo once undone, which undoes the undo). A 409 says which later change is in the way.
import { api } from "../api.js";
import { el } from "../ui.js";

const FOLLOWED_UNDOS = 20;

/** The receipt of change set `changeSetId`; `onChange` runs after an undo or redo. */
export function turnReceipt(changeSetId, { onChange }) {
  const label = el("span", { class: "receipt-label" }, "Changed");
  const summary = el("p", { class: "receipt-summary", dataset: { testid: "receipt-summary" } }, "…");
  const button = el("button", { type: "button", class: "button ghost small", hidden: true, dataset: { testid: "receipt-undo" } }, "Undo");
  const error = el("p", { class: "receipt-error", role: "alert", hidden: true, dataset: { testid: "receipt-error" } });
  const node = el("div", { class: "receipt", role: "group", "aria-label": "What this answer changed", dataset: { testid: "receipt", changeSetId } }, label, summary, button, error);
  // The turn's change set, then each undo of the one before: the last is what to undo next,
  // and an even length means the turn's changes are undone.
  const chain = [changeSetId];

  function show() {
    const undone = chain.length % 2 === 0;
    node.classList.toggle("undone", undone);
    label.textContent = undone ? "Undone" : "Changed";
    button.textContent = undone ? "Redo" : "Undo";
    button.hidden = false;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    error.hidden = true;
    try {
      chain.push((await api(`/api/change-sets/${chain[chain.length - 1]}/undo`, { method: "POST" })).id);
      show();
      await onChange();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  (async () => {
    let changeSet = await api(`/api/change-sets/${changeSetId}`);
    summary.textContent = changeSet.summary;
    while (changeSet.undone_by && chain.length < FOLLOWED_UNDOS) {
      chain.push(changeSet.undone_by);
      changeSet = await api(`/api/change-sets/${changeSet.undone_by}`);
    }
    show();
  })().catch(() => {
    summary.textContent = "The changes could not be loaded (the canvas's History has them).";
  });
  return node;
}
