import { api, safeNext } from "../api.js";
import { setTitle } from "../ui.js";
import { authPage } from "./auth-form.js";

export async function render(root, { user }) {
  const next = new URLSearchParams(window.location.search).get("next");
  // A signed-in guest signs up in place: the same account, everything in it kept, still signed in.
  const guest = Boolean(user && user.is_guest);
  setTitle(guest ? "Keep your work" : "Create an account");
  authPage(root, {
    title: guest ? "Keep your work" : "Create your account",
    lead: guest ? "Add an email and a password to your guest account. Your projects and conversations stay as they are." : null,
    submitLabel: guest ? "Create account and keep my work" : "Create account",
    autocomplete: "new-password",
    passwordHint: "8 to 128 characters. Spaces and any language are fine.",
    switchText: guest ? null : "Already have an account?",
    switchLink: next ? `/login?next=${encodeURIComponent(next)}` : "/login",
    switchLabel: "Sign in",
    fieldForStatus: { 409: "email" },
    async onSubmit(email, password) {
      await api("/api/auth/register", { method: "POST", body: { email, password } });
      if (!guest) await api("/api/auth/login", { method: "POST", body: { email, password } });
      window.location.assign(safeNext(next));
    },
  });
}
