// A search snippet: the server marks each match «like this»; the marks become <mark> elements,
// built node by node, never parsed as HTML.
import { el } from "../ui.js";

export function snippetNode(snippet, attributes = {}) {
  const node = el("span", { class: "snippet", ...attributes });
  const parts = String(snippet || "").split(/([«»])/);
  let inside = false;
  for (const part of parts) {
    if (part === "«") inside = true;
    else if (part === "»") inside = false;
    else if (part) node.append(inside ? el("mark", {}, part) : document.createTextNode(part));
  }
  return node;
}
