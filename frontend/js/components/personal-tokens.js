// Personal access tokens for scripts and MCP clients (Claude, Cursor): make one (shown once, with
// a copy button and the MCP address), see them, revoke them. Needs a signed-in page (a token
// cannot manage tokens).
import { api } from "../api.js";
import { el, errorBox, formatDate, toast } from "../ui.js";

const SCOPES = { read: "Read only", write: "Read and write" };

function expiry(token) {
  if (!token.expires_at) return "Never expires";
  const expires = new Date(token.expires_at);
  return expires < new Date() ? `Expired ${formatDate(token.expires_at)}` : `Expires ${formatDate(token.expires_at)}`;
}

/** The "shown once" box: the token, a copy button, and where to use it. */
function revealed(made) {
  const value = el("input", { class: "token-value", type: "text", readonly: true, value: made.token, "aria-label": "New token", dataset: { testid: "new-token" } });
  const copy = el("button", { type: "button", class: "button small secondary", dataset: { testid: "copy-token" } }, "Copy");
  copy.addEventListener("click", async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(made.token);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy";
    }
  });
  const address = `${window.location.origin}/mcp`;
  return el("div", { class: "token-reveal", role: "status", dataset: { testid: "token-reveal" } },
    el("strong", {}, `“${made.name}” was made. Copy it now: it is not shown again.`),
    el("div", { class: "token-copy" }, value, copy),
    el("p", { class: "hint" }, "MCP server: ", el("code", {}, address),
      " — add it as a connector (Claude) or in .cursor/mcp.json (Cursor), with this token as the bearer token."));
}

export function personalTokensCard() {
  const errors = errorBox();
  const list = el("ul", { class: "token-list", dataset: { testid: "token-list" } });
  const reveal = el("div", {});
  const name = el("input", { id: "token-name", type: "text", maxlength: 100, required: true, placeholder: "Claude", autocomplete: "off" });
  const scope = el("select", { id: "token-scope" },
    el("option", { value: "write" }, SCOPES.write), el("option", { value: "read" }, SCOPES.read));
  const days = el("select", { id: "token-days" },
    el("option", { value: "30" }, "30 days"), el("option", { value: "90" }, "90 days"),
    el("option", { value: "365" }, "1 year"), el("option", { value: "" }, "Never"));
  const make = el("button", { type: "submit", class: "button", dataset: { testid: "make-token" } }, "Make token");

  async function refresh() {
    list.replaceChildren(el("li", { class: "loading" }, "Loading…"));
    try {
      const tokens = await api("/api/users/me/tokens");
      list.replaceChildren(...(tokens.length ? tokens.map(row) : [el("li", { class: "hint", dataset: { testid: "no-tokens" } }, "No tokens yet.")]));
    } catch (error) {
      list.replaceChildren(el("li", { class: "error-text" }, error.message));
    }
  }

  function row(token) {
    const revoke = el("button", { type: "button", class: "button small danger", dataset: { testid: "revoke-token" } }, "Revoke");
    revoke.addEventListener("click", async () => {
      if (!window.confirm(`Revoke “${token.name}”? Anything using it stops working at once.`)) return;
      revoke.disabled = true;
      try {
        await api(`/api/users/me/tokens/${token.id}`, { method: "DELETE" });
        toast(`“${token.name}” revoked.`);
        await refresh();
      } catch (error) {
        revoke.disabled = false;
        toast(error.message, "error");
      }
    });
    return el("li", { class: "token-row", dataset: { testid: "token-row" } },
      el("div", { class: "token-meta" },
        el("strong", { class: "token-name" }, token.name),
        el("span", { class: "tag" }, SCOPES[token.scope] || token.scope),
        el("span", { class: "hint" }, `Made ${formatDate(token.created_at)} · ${expiry(token)}`)),
      revoke);
  }

  const form = el("form", { class: "token-form", novalidate: true },
    el("div", { class: "field" }, el("label", { for: "token-name" }, "Name"), name),
    el("div", { class: "field" }, el("label", { for: "token-scope" }, "Access"), scope),
    el("div", { class: "field" }, el("label", { for: "token-days" }, "Expires"), days),
    make);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.hide();
    make.disabled = true;
    try {
      const body = { name: name.value, scope: scope.value };
      if (days.value) body.expires_in_days = Number(days.value);
      const made = await api("/api/users/me/tokens", { method: "POST", body });
      name.value = "";
      reveal.replaceChildren(revealed(made));
      await refresh();
    } catch (error) {
      errors.show(error.message);
    } finally {
      make.disabled = false;
    }
  });

  refresh();
  return el("section", { class: "card", dataset: { testid: "personal-tokens" } },
    el("h2", {}, "Personal access tokens"),
    el("p", { class: "hint" }, "For scripts and AI assistants that speak MCP (Claude, Cursor). A read-only token can look but not change anything."),
    errors.node, form, reveal, list);
}
