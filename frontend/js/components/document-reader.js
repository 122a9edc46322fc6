// The read view of one document: a dialog showing its text from a passage (a search result or
// a citation) onward, with the way back to the start and on to more. It reads the document
// itself, since nothing else on the page holds its text.
import { api } from "../api.js";
import { el } from "../ui.js";

const PAGE_CHARS = 4000;

let dialog = null;

function ensureDialog() {
  if (dialog) return dialog;
  const title = el("h2", { class: "reader-title", id: "reader-title", dataset: { testid: "reader-title" } });
  const meta = el("p", { class: "reader-meta", dataset: { testid: "reader-meta" } });
  const body = el("div", { class: "reader-text", tabindex: "0", dataset: { testid: "reader-text" } });
  const state = el("p", { class: "reader-state", role: "status" });
  const earlier = el("button", { type: "button", class: "button small secondary", dataset: { testid: "reader-earlier" } }, "From the start");
  const later = el("button", { type: "button", class: "button small secondary", dataset: { testid: "reader-later" } }, "Show more");
  const extra = el("div", { class: "reader-extra" });
  const close = el("button", { type: "button", class: "button small ghost", dataset: { testid: "reader-close" }, "aria-label": "Close" }, "Close");
  const node = el("dialog", { class: "reader", "aria-labelledby": "reader-title", dataset: { testid: "document-reader" } },
    el("div", { class: "reader-head" }, title, close), meta, state, body,
    el("div", { class: "reader-foot" }, earlier, later, extra));
  close.addEventListener("click", () => node.close());
  node.addEventListener("click", (event) => { if (event.target === node) node.close(); });
  document.body.append(node);
  dialog = { node, title, meta, body, state, earlier, later, extra };
  return dialog;
}

/**
 * Open the reader on `documentId` at `offset` (characters). `actions`: extra buttons for the
 * foot of the dialog (e.g. "Make scenes").
 */
export async function openDocumentReader({ documentId, filename = "Document", offset = 0, actions = [] }) {
  const view = ensureDialog();
  view.title.textContent = filename;
  view.meta.textContent = "";
  view.extra.replaceChildren(...actions);
  if (!view.node.open) view.node.showModal();
  let start = offset;
  let loaded = "";
  let total = 0;

  async function load(from, { append = false } = {}) {
    view.state.textContent = "Loading…";
    view.state.className = "reader-state";
    try {
      const doc = await api(`/api/documents/${documentId}?offset=${from}&limit=${PAGE_CHARS}`);
      total = doc.characters;
      loaded = append ? loaded + doc.text : doc.text;
      if (!append) start = from;
      view.body.textContent = loaded;
      if (!append) view.body.scrollTop = 0;
      view.meta.textContent = `${doc.characters.toLocaleString()} characters · ${doc.chunk_count} passages` +
        (start > 0 ? ` · from character ${start.toLocaleString()}` : "");
      view.state.textContent = "";
    } catch (error) {
      view.state.textContent = `Couldn't read the document: ${error.message}`;
      view.state.className = "reader-state failed";
    }
    view.earlier.hidden = start === 0;
    view.later.hidden = start + loaded.length >= total;
  }

  view.earlier.onclick = () => load(0);
  view.later.onclick = () => load(start + loaded.length, { append: true });
  await load(offset);
}
