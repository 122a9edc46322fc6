// Sharing the board: a dialog that makes a link (view only or with comments, expiring or not),
// shows its address once to copy, and lists the project's live links to revoke. It owns this
// data (the project's links) and does its own requests; the canvas only places its button.
import { api } from "../api.js";
import { el, formatDate, timeAgo } from "../ui.js";

const EXPIRY = [["", "Never"], ["1", "In 1 day"], ["7", "In 7 days"], ["30", "In 30 days"], ["90", "In 90 days"], ["365", "In a year"]];

async function copyText(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.select(); // no clipboard access (plain http): selected, for Ctrl+C
    return false;
  }
}

export function createShareDialog({ projectId }) {
  const allowComments = el("input", { type: "checkbox", id: "share-comments", checked: true, dataset: { testid: "share-allow-comments" } });
  const expiry = el("select", { id: "share-expiry", dataset: { testid: "share-expiry" } }, ...EXPIRY.map(([value, label]) => el("option", { value }, label)));
  const create = el("button", { type: "submit", class: "button", dataset: { testid: "share-create" } }, "Create link");
  const state = el("span", { class: "save-state", role: "status", dataset: { testid: "share-state" } });
  const address = el("input", { type: "text", readonly: true, class: "share-url", "aria-label": "The new link's address", dataset: { testid: "share-url" } });
  const copy = el("button", { type: "button", class: "button secondary", dataset: { testid: "share-copy" } }, "Copy");
  const created = el("div", { class: "share-created", hidden: true, dataset: { testid: "share-created" } },
    el("p", { class: "hint" }, "Copy the address now: it is shown only once."),
    el("div", { class: "share-url-row" }, address, copy));
  const list = el("ul", { class: "share-list", "aria-label": "Live links", dataset: { testid: "share-list" } });
  const closeButton = el("button", { type: "button", class: "button ghost icon", "aria-label": "Close", dataset: { testid: "share-close" } }, "✕");

  const form = el("form", { class: "share-form", novalidate: true },
    el("label", { class: "checkbox", for: "share-comments" }, allowComments, " Viewers can comment on frames"),
    el("div", { class: "field" }, el("label", { for: "share-expiry" }, "The link stops working"), expiry),
    el("div", { class: "review-actions" }, create, state));
  const node = el("dialog", { class: "panel-dialog", "aria-labelledby": "share-heading", dataset: { testid: "share-dialog" } },
    el("div", { class: "drawer-head" }, el("h2", { id: "share-heading" }, "Share this board"), closeButton),
    el("div", { class: "dialog-body" },
      el("p", { class: "hint" }, "Anyone with the link sees the board, read only, without an account. They see nothing about you."),
      form, created,
      el("h3", {}, "Live links"),
      list));
  const button = el("button", { type: "button", class: "button secondary", dataset: { testid: "open-share" }, onclick: () => show() }, "Share");

  function showState(kind, text) {
    state.className = `save-state ${kind}`;
    state.textContent = text;
  }

  function linkItem(link) {
    const revoke = el("button", { type: "button", class: "button ghost small danger-text", dataset: { testid: "share-revoke" } }, "Revoke");
    revoke.addEventListener("click", async () => {
      if (!window.confirm("Revoke this link? Anyone using it loses access at once.")) return;
      revoke.disabled = true;
      try {
        await api(`/api/shares/${link.id}`, { method: "DELETE" });
        showState("saved", "Link revoked.");
        await load();
      } catch (error) {
        revoke.disabled = false;
        showState("failed", `Couldn't revoke: ${error.message}`);
      }
    });
    return el("li", { dataset: { testid: "share-item", shareId: link.id } },
      el("span", { class: "share-meta" },
        el("strong", {}, link.allow_comments ? "View and comment" : "View only"),
        el("span", { class: "hint" }, `Made ${timeAgo(link.created_at)} · ${link.expires_at ? `until ${formatDate(link.expires_at)}` : "no end date"}`)),
      revoke);
  }

  async function load() {
    try {
      const links = await api(`/api/projects/${projectId}/shares`);
      list.replaceChildren(...(links.length ? links.map(linkItem) : [el("li", { class: "hint", dataset: { testid: "share-none" } }, "No live links.")]));
    } catch (error) {
      list.replaceChildren(el("li", { class: "error-text" }, `Couldn't load the links: ${error.message}`));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    create.disabled = true;
    showState("saving", "Creating…");
    try {
      const body = { allow_comments: allowComments.checked };
      if (expiry.value) body.expires_in_days = Number(expiry.value);
      const link = await api(`/api/projects/${projectId}/shares`, { method: "POST", body });
      address.value = new URL(link.url, window.location.origin).href;
      created.hidden = false;
      showState("saved", "Link created.");
      address.focus();
      address.select();
      await load();
    } catch (error) {
      showState("failed", `Couldn't create the link: ${error.message}`);
    } finally {
      create.disabled = false;
    }
  });
  copy.addEventListener("click", async () => {
    showState("saved", (await copyText(address)) ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.");
  });
  closeButton.addEventListener("click", () => node.close());

  function show() {
    created.hidden = true;
    address.value = "";
    showState("", "");
    node.showModal();
    load();
  }

  return { node, button };
}
