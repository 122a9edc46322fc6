// The canvas's documents panel: add a treatment, brief or script (button or drop), list the
// project's documents, search them, open one in the reader, make scenes from a script, delete.
// Documents are this panel's own data, so it does their requests; the page hears only that
// scenes were imported (`onScenesImported(scenes)`).
import { api } from "../api.js";
import { counted, el, toast } from "../ui.js";
import { carriesFiles } from "./picture.js";
import { openDocumentReader } from "./document-reader.js";
import { snippetNode } from "./snippet.js";

const ACCEPT = ".txt,.md,.markdown,.fountain,.pdf,.docx";
const KINDS = {
  "application/pdf": "PDF",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
  "text/markdown; charset=utf-8": "Markdown",
  "text/x-fountain; charset=utf-8": "Fountain",
  "text/plain; charset=utf-8": "Text",
};

export function createDocumentsPanel({ projectId, onScenesImported }) {
  let documents = [];
  let busy = false;
  let changes = 0; // a list read that started before a change made here is stale

  const input = el("input", { type: "file", accept: ACCEPT, hidden: true, dataset: { testid: "document-file" } });
  const addButton = el("button", { type: "button", class: "button small", dataset: { testid: "add-document" } }, "Add document");
  const state = el("p", { class: "documents-state", role: "status", dataset: { testid: "documents-state" } });
  const list = el("ul", { class: "documents-list", dataset: { testid: "documents-list" } });
  const empty = el("p", { class: "documents-empty", dataset: { testid: "documents-empty" } },
    "Drop a treatment, brief or script here (.txt, .md, .fountain, .pdf, .docx): the assistant can then search it, and a script can become scenes.");
  const query = el("input", { type: "search", maxlength: 500, placeholder: "Search your documents", "aria-label": "Search your documents", dataset: { testid: "documents-search" } });
  const searchForm = el("form", { class: "documents-search", role: "search" }, query,
    el("button", { type: "submit", class: "button small secondary", dataset: { testid: "documents-search-go" } }, "Search"));
  const results = el("ol", { class: "search-results", dataset: { testid: "search-results" } });
  const node = el("section", { class: "documents-panel", "aria-labelledby": "documents-heading", dataset: { testid: "documents-panel" } },
    el("div", { class: "documents-head" },
      el("h2", { id: "documents-heading" }, "Documents"), addButton, input),
    state, empty, list, searchForm, results);

  function showState(kind, message) {
    state.className = `documents-state ${kind}`;
    state.textContent = message;
  }

  function draw() {
    empty.hidden = documents.length > 0;
    searchForm.hidden = documents.length === 0;
    list.replaceChildren(...documents.map((doc) => el("li", { class: "document-item", dataset: { testid: "document-item", documentId: doc.id } },
      el("button", { type: "button", class: "document-open", dataset: { testid: "document-open" }, onclick: () => read(doc) },
        el("span", { class: "document-name" }, doc.filename),
        el("span", { class: "document-meta" }, `${KINDS[doc.content_type] || "Document"} · ${doc.characters.toLocaleString()} characters`)),
      el("button", { type: "button", class: "button small secondary", dataset: { testid: "document-scenes" }, onclick: () => importScenes(doc) }, "Make scenes"),
      el("button", { type: "button", class: "button small ghost", dataset: { testid: "document-delete" }, "aria-label": `Delete ${doc.filename}`, onclick: () => remove(doc) }, "Delete"))));
  }

  async function refresh() {
    const seen = changes;
    try {
      const listed = await api(`/api/projects/${projectId}/documents`);
      if (seen !== changes) return;
      documents = listed;
      draw();
      node.dataset.ready = "true";
    } catch (error) {
      showState("failed", `Couldn't list the documents: ${error.message}`);
    }
  }

  async function upload(file) {
    if (!file || busy) return;
    busy = true;
    addButton.disabled = true;
    showState("saving", `Reading ${file.name}…`);
    try {
      const added = await api(`/api/projects/${projectId}/documents`, { method: "POST", file });
      changes += 1;
      documents = [added, ...documents];
      draw();
      showState("saved", `Added ${added.filename} (${added.chunk_count} passages).`);
    } catch (error) {
      showState("failed", `Couldn't add ${file.name}: ${error.message}`);
    } finally {
      busy = false;
      addButton.disabled = false;
      input.value = "";
    }
  }

  function read(doc, offset = 0) {
    const makeScenes = el("button", { type: "button", class: "button small", dataset: { testid: "reader-scenes" }, onclick: () => importScenes(doc) }, "Make scenes");
    openDocumentReader({ documentId: doc.id, filename: doc.filename, offset, actions: [makeScenes] });
  }

  async function importScenes(doc) {
    showState("saving", `Making scenes from ${doc.filename}…`);
    try {
      const scenes = await api(`/api/documents/${doc.id}/scenes`, { method: "POST" });
      showState("saved", `Added ${counted(scenes.length, "scene")} from ${doc.filename}.`);
      toast(`Added ${counted(scenes.length, "scene")} from ${doc.filename}.`);
      await onScenesImported(scenes);
    } catch (error) {
      showState("failed", `Couldn't make scenes: ${error.message}`);
    }
  }

  async function remove(doc) {
    if (!window.confirm(`Delete “${doc.filename}”? The assistant will no longer find it.`)) return;
    try {
      await api(`/api/documents/${doc.id}`, { method: "DELETE" });
      changes += 1;
      documents = documents.filter((item) => item.id !== doc.id);
      results.replaceChildren();
      draw();
      showState("saved", `Deleted ${doc.filename}.`);
    } catch (error) {
      showState("failed", `Couldn't delete: ${error.message}`);
    }
  }

  async function search(text) {
    results.replaceChildren(el("li", { class: "search-note" }, "Searching…"));
    try {
      const found = await api(`/api/projects/${projectId}/search?q=${encodeURIComponent(text)}`);
      if (!found.results.length) {
        results.replaceChildren(el("li", { class: "search-note", dataset: { testid: "search-none" } }, `Nothing in your documents matches “${text}”.`));
        return;
      }
      results.replaceChildren(...found.results.map((hit) => el("li", {},
        el("button", {
          type: "button", class: "citation", dataset: { testid: "search-result", documentId: hit.document_id },
          onclick: () => read(documents.find((doc) => doc.id === hit.document_id) || { id: hit.document_id, filename: hit.filename }, hit.offset),
        }, el("span", { class: "citation-file" }, hit.filename), snippetNode(hit.snippet)))));
    } catch (error) {
      results.replaceChildren(el("li", { class: "search-note failed" }, `Couldn't search: ${error.message}`));
    }
  }

  addButton.addEventListener("click", () => input.click());
  input.addEventListener("change", () => upload(input.files[0]));
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = query.value.trim();
    if (text) search(text);
  });
  node.addEventListener("dragover", (event) => {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    node.classList.add("dropping");
  });
  node.addEventListener("dragleave", (event) => {
    if (!node.contains(event.relatedTarget)) node.classList.remove("dropping");
  });
  node.addEventListener("drop", (event) => {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    node.classList.remove("dropping");
    upload(event.dataTransfer.files[0]);
  });

  draw();
  refresh();
  return { node, refresh };
}
