import { api } from "../api.js";
import { clear, counted, el, errorBox, setTitle, timeAgo, toast } from "../ui.js";
import { formatRuntime } from "../storyboard.js";
import { picture } from "../components/picture.js";
import { createProjectImport } from "../components/project-import.js";

function summary(project) {
  const runtime = project.total_duration_seconds ? ` · ${formatRuntime(project.total_duration_seconds)}` : "";
  return `${counted(project.scene_count, "scene")}${runtime} · updated ${timeAgo(project.updated_at)}`;
}

/** The project's first frames, at its aspect ratio: one large, up to three beside it. */
function cover(project, failed) {
  const frames = project.cover || [];
  const node = el("a", { class: "cover", href: `/canvas/${project.id}`, tabindex: "-1", "aria-hidden": "true", dataset: { ratio: project.aspect_ratio, count: String(Math.min(frames.length, 4)), testid: "project-cover" } });
  if (!frames.length) {
    node.append(el("span", { class: "cover-empty" }, el("span", { class: "frame-icon" }), "No frames yet"));
    return node;
  }
  node.append(...frames.slice(0, 4).map((frame) => el("span", { class: "cover-frame" },
    picture(frame.thumbnail_src, { alt: "", missing: "", broken: "", testid: "cover-image", failed }))));
  return node;
}

export async function render(root) {
  setTitle("Projects");
  const failed = new Set();
  const list = el("ul", { class: "project-grid", dataset: { testid: "project-list" } });
  const emptyState = el("div", { class: "empty", hidden: true, dataset: { testid: "projects-empty" } },
    el("strong", {}, "No projects yet"),
    "Give your first video a working title above; you can rename it any time.");

  const errors = errorBox();
  const title = el("input", { id: "new-title", type: "text", required: true, maxlength: 200, placeholder: "e.g. Summer trip teaser", dataset: { testid: "new-project-title" } });
  const description = el("input", { id: "new-description", type: "text", maxlength: 2000, placeholder: "Optional: what is it about?", dataset: { testid: "new-project-description" } });
  const create = el("button", { type: "submit", class: "button", dataset: { testid: "create-project" } }, "Create project");
  const form = el("form", { class: "card new-project", novalidate: true },
    el("div", { class: "field" }, el("label", { for: "new-title" }, "Title"), title),
    el("div", { class: "field" }, el("label", { for: "new-description" }, "Description"), description),
    create);

  function refreshEmpty() {
    emptyState.hidden = list.children.length > 0;
  }

  function card(project) {
    const heading = el("h2", { dataset: { testid: "project-title" } }, el("a", { href: `/canvas/${project.id}` }, project.title));
    const about = el("p", { class: "description" }, project.description);
    about.hidden = !project.description;
    const meta = el("div", { class: "meta", dataset: { testid: "project-meta" } }, summary(project));
    const item = el("li", { class: "card project-card", dataset: { testid: "project-card", projectId: project.id } });

    const renameInput = el("input", { type: "text", maxlength: 200, "aria-label": `New title for ${project.title}` });
    const renameError = el("div", { class: "error-text", role: "alert", hidden: true });
    const renameForm = el("form", { class: "rename-form", hidden: true },
      renameInput,
      el("button", { type: "submit", class: "button small" }, "Save"),
      el("button", { type: "button", class: "button small secondary", onclick: () => { renameForm.hidden = true; renameError.hidden = true; } }, "Cancel"));
    renameForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const updated = await api(`/api/projects/${project.id}`, { method: "PUT", body: { title: renameInput.value } });
        Object.assign(project, updated);
        heading.firstChild.textContent = updated.title;
        meta.textContent = summary(project);
        renameForm.hidden = true;
        renameError.hidden = true;
        toast("Project renamed.");
      } catch (error) {
        renameError.textContent = error.message;
        renameError.hidden = false;
      }
    });

    const actions = el("div", { class: "actions" },
      el("a", { class: "button small", href: `/canvas/${project.id}`, dataset: { testid: "open-canvas" } }, "Open storyboard"),
      el("a", { class: "button small secondary", href: `/chat/${project.id}`, dataset: { testid: "open-chat" } }, "Chat"),
      el("button", {
        type: "button", class: "button small ghost", dataset: { testid: "rename-project" },
        onclick: () => { renameInput.value = project.title; renameForm.hidden = false; renameInput.focus(); renameInput.select(); },
      }, "Rename"),
      el("button", {
        type: "button", class: "button small danger", dataset: { testid: "delete-project" },
        onclick: async () => {
          if (!window.confirm(`Delete “${project.title}” and its ${counted(project.scene_count, "scene")}? This cannot be undone.`)) return;
          try {
            await api(`/api/projects/${project.id}`, { method: "DELETE" });
            item.remove();
            refreshEmpty();
            toast("Project deleted.");
          } catch (error) {
            toast(error.message, "error");
          }
        },
      }, "Delete"));
    item.append(cover(project, failed), el("div", { class: "project-card-body" }, heading, about, meta, renameForm, renameError, actions));
    return item;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.hide();
    if (!title.value.trim()) {
      errors.show("Give the project a title.");
      title.focus();
      return;
    }
    create.disabled = true;
    try {
      const project = await api("/api/projects", { method: "POST", body: { title: title.value, description: description.value } });
      list.prepend(card({ ...project, cover: [] }));
      title.value = "";
      description.value = "";
      refreshEmpty();
      toast("Project created.");
    } catch (error) {
      errors.show(error.message);
    } finally {
      create.disabled = false;
    }
  });

  const importer = createProjectImport({
    onImport: async (document) => {
      const project = await api("/api/projects/import", { method: "POST", body: document });
      list.prepend(card({ ...project, cover: [] }));
      refreshEmpty();
      return project;
    },
  });

  clear(root).append(
    el("div", { class: "page-header" }, el("h1", {}, "Your projects"), importer.node),
    errors.node,
    form,
    emptyState,
    list,
  );
  title.focus();
  const projects = await api("/api/projects");
  list.append(...projects.map(card));
  refreshEmpty();
  root.dataset.ready = "true";
}
