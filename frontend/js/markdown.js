// The assistant's answers are Markdown: parsed by marked (raw HTML escaped), then cleaned by
// DOMPurify before they reach the page. No scripts, event handlers, styles, forms, frames or images (an image URL could
// carry data out); links only to http(s) and mailto, opened safely in a new tab.
import DOMPurify from "/static/vendor/dompurify-3.4.18/purify.es.mjs";
import { Marked, Tokenizer } from "/static/vendor/marked-18.2.1/marked.esm.js";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text) => text.replace(/[&<>"']/g, (character) => ESCAPES[character]);

// Raw HTML inside the Markdown is shown as the text it is (a scene titled "<img …>" stays
// readable); DOMPurify below is the second line of defence.
const markdown = new Marked({ gfm: true, breaks: true, async: false });
markdown.use({ renderer: { html: ({ text }) => escapeHtml(text) } });

// A bare URL in quotes ("https://x.y/z", “https://x.y/z”, «https://x.y/z») is linked without
// its closing quote: GFM trims trailing ASCII punctuation only, so typographic quotes (which
// the model uses) would end up inside the link.
const TRAILING_QUOTES_AND_PUNCTUATION = /[\p{Pi}\p{Pf}"'?!.,:;*_~]+$/u;
markdown.use({
  tokenizer: {
    url(src) {
      const token = Tokenizer.prototype.url.call(this, src);
      if (!token || token.href.startsWith("mailto:")) return token;
      const kept = token.raw.replace(TRAILING_QUOTES_AND_PUNCTUATION, "");
      if (kept === token.raw) return token;
      const href = token.href.slice(0, token.href.length - (token.raw.length - kept.length));
      return { ...token, raw: kept, text: kept, href, tokens: [{ type: "text", raw: kept, text: kept }] };
    },
  },
});
const SAFE_LINK = /^(https?:|mailto:)/i;

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName !== "A") return;
  const href = node.getAttribute("href") || "";
  if (!SAFE_LINK.test(href)) {
    node.removeAttribute("href");
    return;
  }
  node.setAttribute("rel", "noopener noreferrer");
  node.setAttribute("target", "_blank");
});

const OPTIONS = {
  RETURN_DOM_FRAGMENT: true,
  FORBID_TAGS: ["img", "svg", "math", "style", "form", "input", "button", "iframe", "object", "embed", "video", "audio", "source", "picture"],
  FORBID_ATTR: ["style", "srcset"],
};

/** A DocumentFragment with the answer's Markdown rendered and sanitized. */
export function renderMarkdown(text) {
  return DOMPurify.sanitize(markdown.parse(text || ""), OPTIONS);
}
