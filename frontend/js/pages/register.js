import { api, safeNext } from "../api.js";
import { setTitle } from "../ui.js";
import { authPage } from "./auth-form.js";

export async function render(root) {
  setTitle("Create an account");
  const next = new URLSearchParams(window.location.search).get("next");
  authPage(root, {
    title: "Create your account",
    submitLabel: "Create account",
    autocomplete: "new-password",
    passwordHint: "8 to 128 characters. Spaces and any language are fine.",
    switchText: "Already have an account?",
    switchLink: next ? `/login?next=${encodeURIComponent(next)}` : "/login",
    switchLabel: "Sign in",
    fieldForStatus: { 409: "email" },
    async onSubmit(email, password) {
      await api("/api/auth/register", { method: "POST", body: { email, password } });
      await api("/api/auth/login", { method: "POST", body: { email, password } });
      window.location.assign(safeNext(next));
    },
  });
}
