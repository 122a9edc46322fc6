// The shared shape of the sign-in and registration pages.
import { el, errorBox } from "../ui.js";

export function authPage(root, { title, submitLabel, passwordHint, autocomplete, switchText, switchLink, switchLabel, onSubmit }) {
  const errors = errorBox();
  const email = el("input", { id: "email", type: "email", name: "email", required: true, autocomplete: "email", maxlength: 254, dataset: { testid: "email" } });
  const password = el("input", {
    id: "password", type: "password", name: "password", required: true, autocomplete, maxlength: 1024,
    "aria-describedby": passwordHint ? "password-hint" : undefined, dataset: { testid: "password" },
  });
  const submit = el("button", { type: "submit", class: "button", dataset: { testid: "submit" } }, submitLabel);
  const form = el("form", { class: "card", novalidate: true },
    errors.node,
    el("div", { class: "field" }, el("label", { for: "email" }, "Email"), email),
    el("div", { class: "field" },
      el("label", { for: "password" }, "Password"), password,
      passwordHint ? el("div", { class: "hint", id: "password-hint" }, passwordHint) : null),
    submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.hide();
    if (!email.value.trim() || !password.value) {
      errors.show("Enter your email and a password.");
      return;
    }
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = "Please wait…";
    try {
      await onSubmit(email.value.trim(), password.value);
    } catch (error) {
      errors.show(error.message);
      submit.disabled = false;
      submit.textContent = label;
      password.focus();
    }
  });
  root.replaceChildren(
    el("section", { class: "auth" },
      el("div", { class: "brand" }, el("span", { class: "brand-mark", "aria-hidden": "true" }, "▦"), "Scenecraft"),
      el("h1", {}, title),
      form,
      el("p", { class: "switch" }, switchText, " ", el("a", { href: switchLink }, switchLabel))),
  );
  email.focus();
}
