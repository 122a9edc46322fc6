// The assistant_approval setting: which changes of assistants connected over MCP wait for the
// person's OK (the chat does not pause for approval yet).
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
    el("p", { class: "hint" }, "Which changes of assistants connected over MCP (Claude, Cursor…) wait for your OK. A client that cannot ask is refused. The chat here does not ask yet: undo its changes from the canvas's History."),
    el("div", { class: "field" }, el("label", { for: "assistant-approval" }, "Ask me"), select, " ", state));
}
