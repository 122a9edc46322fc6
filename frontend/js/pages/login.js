import { api, safeNext } from "../api.js";
import { el, setTitle } from "../ui.js";
import { authPage } from "./auth-form.js";

/** "Try it without an account": a guest account, signed in at once; signing up later keeps it. */
function guestOption(next) {
  const button = el("button", { type: "button", class: "button secondary", dataset: { testid: "try-as-guest" } }, "Try it without an account");
  const failure = el("p", { class: "field-error", role: "alert", hidden: true, dataset: { testid: "guest-error" } });
  button.addEventListener("click", async () => {
    failure.hidden = true;
    button.disabled = true;
    button.textContent = "Starting…";
    try {
      await api("/api/auth/guest", { method: "POST" });
      window.location.assign(safeNext(next));
    } catch (error) {
      button.disabled = false;
      button.textContent = "Try it without an account";
      failure.textContent = error.message;
      failure.hidden = false;
    }
  });
  return el("div", { class: "guest-option" },
    el("div", { class: "divider", "aria-hidden": "true" }, el("span", {}, "or")),
    button,
    el("p", { class: "hint" }, "No email needed. Create an account later and keep everything you made."),
    failure);
}

export async function render(root) {
  setTitle("Sign in");
  const next = new URLSearchParams(window.location.search).get("next");
  authPage(root, {
    title: "Sign in",
    submitLabel: "Sign in",
    autocomplete: "current-password",
    switchText: "New to Scenecraft?",
    switchLink: next ? `/register?next=${encodeURIComponent(next)}` : "/register",
    switchLabel: "Create an account",
    after: guestOption(next),
    async onSubmit(email, password) {
      await api("/api/auth/login", { method: "POST", body: { email, password } });
      window.location.assign(safeNext(next));
    },
  });
}
