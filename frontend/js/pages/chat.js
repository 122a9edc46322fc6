import { api, ApiError } from "../api.js";
import { el, notFound, setTitle } from "../ui.js";

export async function render(root, { params: [projectId] }) {
  let project;
  try {
    project = await api(`/api/projects/${projectId}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return notFound(root, "project");
    throw error;
  }
  setTitle("Chat", project.title);
  root.replaceChildren(
    el("div", { class: "breadcrumb" }, el("a", { href: "/projects" }, "Projects"), " / ", el("a", { href: `/canvas/${project.id}` }, project.title), " / Chat"),
    el("div", { class: "page-header" }, el("h1", { dataset: { testid: "chat-project-title" } }, project.title),
      el("a", { class: "button secondary", href: `/canvas/${project.id}` }, "Back to the canvas")),
  );
}
