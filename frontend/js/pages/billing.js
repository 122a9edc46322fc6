import { el, setTitle } from "../ui.js";

const PLANS = [
  { name: "Preview", summary: "Everything Scenecraft does today.", features: ["Unlimited projects and scenes", "The planning assistant", "Canvas and chat"], current: true },
  { name: "Pro", summary: "For people who plan videos every week.", features: ["Shared projects", "Version history", "Export to PDF and shot lists"] },
  { name: "Team", summary: "For studios and agencies.", features: ["Team workspaces", "Roles and reviews", "Priority support"] },
];

export async function render(root) {
  setTitle("Billing");
  root.replaceChildren(
    el("div", { class: "page-header" }, el("h1", {}, "Billing")),
    el("p", { class: "notice", role: "note", dataset: { testid: "billing-notice" } },
      "Billing is not available yet. Scenecraft is free while it is in preview: nothing is charged and no payment details are collected."),
    el("div", { class: "plans" },
      PLANS.map((plan) => el("section", { class: "card plan" },
        el("h2", {}, plan.name),
        el("p", { class: "hint" }, plan.current ? "Your plan" : "Coming later"),
        el("p", {}, plan.summary),
        el("ul", {}, plan.features.map((feature) => el("li", {}, feature)))))),
  );
}
