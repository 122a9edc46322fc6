import { el, setTitle } from "../ui.js";

const PLANS = [
  { name: "Preview", summary: "Everything Scenecraft does today, within the limits above.", features: ["The canvas and the planning assistant", "Scripts, images and scene order"], current: true },
  { name: "Pro", summary: "For people who plan videos every week.", features: ["Shared projects", "Version history", "Export to PDF and shot lists"] },
  { name: "Team", summary: "For studios and agencies.", features: ["Team workspaces", "Roles and reviews", "Priority support"] },
];

const count = (value) => value.toLocaleString();

/** The limits come from the server (GET /api/users/me), the one place that enforces them. */
function limitsCard(limits) {
  const row = (label, value, testid) => [el("dt", {}, label), el("dd", { dataset: { testid } }, value)];
  return el("section", { class: "card limits", "aria-labelledby": "limits-heading" },
    el("h2", { id: "limits-heading" }, "Your limits"),
    el("dl", { class: "details" },
      row("Projects", `Up to ${count(limits.projects_per_account)}`, "limit-projects"),
      row("Scenes in a project", `Up to ${count(limits.scenes_per_project)}`, "limit-scenes"),
      row("Messages to the assistant", `${count(limits.assistant_messages_per_day)} a day (a new day starts at midnight UTC)`, "limit-messages")));
}

export async function render(root, { user }) {
  setTitle("Billing");
  root.replaceChildren(
    el("div", { class: "page-header" }, el("h1", {}, "Billing")),
    el("p", { class: "notice", role: "note", dataset: { testid: "billing-notice" } },
      "Billing is not available yet. Scenecraft is free while it is in preview: nothing is charged and no payment details are collected."),
    limitsCard(user.limits),
    el("div", { class: "plans" },
      PLANS.map((plan) => el("section", { class: "card plan" },
        el("h2", {}, plan.name),
        el("p", { class: "hint" }, plan.current ? "Your plan" : "Coming later"),
        el("p", {}, plan.summary),
        el("ul", {}, plan.features.map((feature) => el("li", {}, feature)))))),
  );
}
