// The sources under an assistant answer that searched the project's documents: each names the
// document and shows the snippet; opening one shows the passage in the reader.
import { el } from "../ui.js";
import { openDocumentReader } from "./document-reader.js";
import { snippetNode } from "./snippet.js";

export function renderCitations(citations) {
  if (!citations || !citations.length) return null;
  const list = el("ol", { class: "citation-list" });
  for (const citation of citations) {
    list.append(el("li", {},
      el("button", {
        type: "button", class: "citation", dataset: { testid: "citation", documentId: citation.document_id },
        onclick: () => openDocumentReader({ documentId: citation.document_id, filename: citation.filename, offset: citation.offset || 0 }),
      },
      el("span", { class: "citation-file" }, citation.filename),
      snippetNode(citation.snippet))));
  }
  return el("div", { class: "citations", dataset: { testid: "citations" } },
    el("span", { class: "citations-label" }, "Sources"), list);
}
