import { api, safeNext } from "../api.js";
import { setTitle } from "../ui.js";
import { authPage } from "./auth-form.js";

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
    async onSubmit(email, password) {
      await api("/api/auth/login", { method: "POST", body: { email, password } });
      window.location.assign(safeNext(next));
    },
  });
}
