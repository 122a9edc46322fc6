// The assistant_approval setting: which of the assistant's changes wait for the person's OK, in
// the chat and from assistants connected over MCP.
import { api } from "../api.js";
import { el, toast } from "../ui.js";

const CHOICES = [
  ["destructive", "Ask before deleting (recommended)"],
  ["writes", "Ask before every change"],
  ["none", "Never ask"],
];

export function assistantApprovalCard(user) {
  const select = el("select", { id: "assistant-approval", dataset: { testid: "assistant-approval" } },
    ...CHOICES.map(([value, label]) => el("option", { value, selected: value === user.assistant_approval }, label)));
  const state = el("span", { class: "hint", role: "status" });
  select.addEventListener("change", async () => {
    select.disabled = true;
    state.textContent = "Saving…";
    try {
      const saved = await api("/api/users/me", { method: "PATCH", body: { assistant_approval: select.value } });
      select.value = saved.assistant_approval;
      state.textContent = "Saved";
    } catch (error) {
      select.value = user.assistant_approval;
      state.textContent = "";
      toast(error.message, "error");
    } finally {
      select.disabled = false;
    }
  });
  return el("section", { class: "card" },
    el("h2", {}, "Assistant approval"),
    el("p", { class: "hint" }, "Which of the assistant's changes wait for your OK: here in the chat, the assistant shows what would change and waits for Approve or Decline; an assistant connected over MCP (Claude, Cursor…) asks through its client, and one whose client cannot ask is refused. Anything it did can still be undone from the canvas's History."),
    el("div", { class: "field" }, el("label", { for: "assistant-approval" }, "Ask me"), select, " ", state));
}
