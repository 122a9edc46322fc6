// Small DOM helpers. Text always goes in through textContent, never as HTML.
import { api, ApiError } from "./api.js";

/** el("button", { class: "button", onclick: fn, dataset: {testid: "x"} }, "Label", child) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function toast(message, kind = "info") {
  const area = document.querySelector(".toasts");
  const item = el("div", { class: `toast ${kind === "error" ? "error" : ""}`, dataset: { testid: "toast" } }, message);
  area.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 7000 : 3500);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function timeAgo(isoDate) {
  const seconds = (new Date(isoDate).getTime() - Date.now()) / 1000;
  const steps = [
    [60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"], [Infinity, "year"],
  ];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return "";
}

export function formatDate(isoDate) {
  return new Date(isoDate).toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric" });
}

/** The text cut to `limit` characters, with "…" when it was longer. */
export function shortened(text, limit) {
  return text.length > limit ? `${text.slice(0, limit - 1).trimEnd()}…` : text;
}

const numbers = new Intl.NumberFormat();

/** "1 scene", "12 scenes", "1,204 tokens": a count with its noun (a regular plural). */
export function counted(count, noun) {
  return `${numbers.format(count)} ${noun}${count === 1 ? "" : "s"}`;
}

export function setTitle(...parts) {
  document.title = [...parts.filter(Boolean), "Scenecraft"].join(" · ");
}

/** A visible error box inside a form (role=alert so screen readers announce it). */
export function errorBox() {
  const box = el("div", { class: "form-error", role: "alert", hidden: true, dataset: { testid: "form-error" } });
  return {
    node: box,
    show(message) { box.textContent = message; box.hidden = false; },
    hide() { box.textContent = ""; box.hidden = true; },
  };
}

/** `signedIn` false: the visitor has no account here, so the way on is to sign in. */
export function notFound(root, what = "page", { signedIn = true } = {}) {
  clear(root).append(
    el("div", { class: "empty", dataset: { testid: "not-found" } },
      el("strong", {}, `This ${what} doesn't exist`),
      `It may have been deleted, or it belongs to another account. `,
      signedIn ? el("a", { href: "/projects" }, "Back to your projects") : el("a", { href: "/login" }, "Sign in")),
  );
}

/**
 * The project with its scenes, or null after showing "not found" (missing or not yours);
 * `pending`: the same request, already started.
 */
export async function loadProject(root, projectId, pending = null) {
  try {
    return await (pending || api(`/api/projects/${projectId}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      notFound(root, "project");
      return null;
    }
    throw error;
  }
}
