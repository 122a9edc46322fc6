// A tool call that waits for the person's OK (their "Ask before…" setting): what it would
// change, before → after, with Approve and Decline. It reports the choice; the page sends it.
import { el, shortened } from "../ui.js";

const SHOWN_CHARACTERS = 160;

function shown(value) {
  if (value === null || value === undefined || value === "") return "—";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return shortened(text, SHOWN_CHARACTERS);
}

/** The fields an update would change, each before → after. */
function fieldRows(changes) {
  const rows = [];
  for (const change of changes) {
    if (change.action !== "updated") continue;
    for (const [field, after] of Object.entries(change.after || {})) {
      if (field === "order") continue;
      rows.push(el("li", {},
        el("span", { class: "approval-field" }, field.replaceAll("_", " ")), " ",
        el("del", {}, shown((change.before || {})[field])), " → ", el("ins", {}, shown(after))));
    }
  }
  return rows.length ? el("ul", { class: "approval-fields" }, rows) : null;
}

/** `approval`: {approval_id, name, arguments, preview: {summary, changes}}; `onAnswer(approve)`
 * returns a promise (rejected: the answer did not go through, the buttons come back). */
export function approvalCard(approval, { onAnswer }) {
  const state = el("p", { class: "approval-state", role: "status", dataset: { testid: "approval-state" } }, "Waiting for your OK");
  const approve = el("button", { type: "button", class: "button small", dataset: { testid: "approval-approve" } }, "Approve");
  const decline = el("button", { type: "button", class: "button small secondary", dataset: { testid: "approval-decline" } }, "Decline");
  const buttons = el("div", { class: "approval-buttons" }, approve, decline);
  const node = el("div", { class: "approval", role: "group", "aria-label": "The assistant asks before this change", dataset: { testid: "approval", approvalId: approval.approval_id } },
    el("strong", {}, "The assistant asks before this change"),
    el("p", { class: "approval-summary", dataset: { testid: "approval-summary" } }, "If you approve: ", el("span", {}, approval.preview.summary)),
    fieldRows(approval.preview.changes) || "",
    buttons, state);

  let settled = false;
  let chosen = null; // the person's answer, once given here

  function settleAs(yes) {
    settle(yes ? "Approved" : "Declined: nothing was changed", yes ? "approved" : "declined");
  }

  function settle(text, kind) {
    settled = true;
    buttons.remove();
    state.textContent = text;
    node.classList.add(kind);
  }

  async function answer(yes) {
    chosen = yes;
    approve.disabled = decline.disabled = true;
    state.textContent = yes ? "Approving…" : "Declining…";
    try {
      await onAnswer(yes);
      if (!settled) settleAs(yes);
    } catch (error) {
      if (settled) return; // the turn went on (the stream says how); this call's end is moot
      chosen = null;
      approve.disabled = decline.disabled = false;
      state.textContent = error.message;
    }
  }

  approve.addEventListener("click", () => answer(true));
  decline.addEventListener("click", () => answer(false));
  return {
    node,
    /** The turn went on without an answer from this page (timed out, or answered elsewhere). */
    close(ran) {
      if (settled) return;
      if (chosen !== null) settleAs(chosen);
      else settle(ran ? "Approved" : "Not made", ran ? "approved" : "declined");
    },
  };
}
