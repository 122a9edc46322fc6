// The shared shape of the sign-in and registration pages.
import { ApiError } from "../api.js";
import { el, errorBox } from "../ui.js";

/** A short sentence for a 422 item about one field, in the person's terms (not pydantic's). */
function fieldSentence(field, item) {
  if (field === "email") return "Enter a valid email address";
  if (item.type === "string_too_short") return `Use at least ${item.ctx?.min_length ?? 8} characters`;
  if (item.type === "string_too_long") return `Use at most ${item.ctx?.max_length ?? 128} characters`;
  return "Use only letters, digits, spaces and punctuation";
}

/**
 * Which field an error belongs to, with its sentence: a 422 by its `loc`, another status by
 * `fieldForStatus` (the server's own sentence). Null for errors that belong to the whole form.
 */
function fieldErrors(error, fields, fieldForStatus) {
  if (!(error instanceof ApiError)) return null;
  const found = {};
  if (error.status === 422 && Array.isArray(error.detail)) {
    for (const item of error.detail) {
      const field = (item.loc || []).find((part) => typeof part === "string" && Object.hasOwn(fields, part));
      if (!field) return null;
      found[field] ||= fieldSentence(field, item);
    }
  } else if (fieldForStatus[error.status]) {
    found[fieldForStatus[error.status]] = error.message;
  }
  return Object.keys(found).length ? found : null;
}

function fieldInput(name, label, attributes, hint) {
  const errorId = `${name}-error`;
  const describedBy = [hint ? `${name}-hint` : null, errorId].filter(Boolean).join(" ");
  const input = el("input", { id: name, name, required: true, "aria-describedby": describedBy, dataset: { testid: name }, ...attributes });
  const message = el("div", { class: "field-error", id: errorId, hidden: true, dataset: { testid: `${name}-error` } });
  const node = el("div", { class: "field" },
    el("label", { for: name }, label), input,
    hint ? el("div", { class: "hint", id: `${name}-hint` }, hint) : null,
    message);
  const show = (text) => {
    message.textContent = text;
    message.hidden = !text;
    input.toggleAttribute("aria-invalid", Boolean(text));
  };
  input.addEventListener("input", () => show(""));
  return { node, input, show };
}

export function authPage(root, { title, lead, submitLabel, passwordHint, autocomplete, switchText, switchLink, switchLabel, fieldForStatus = {}, onSubmit, after }) {
  const errors = errorBox();
  const fields = {
    email: fieldInput("email", "Email", { type: "email", autocomplete: "email", maxlength: 254 }),
    password: fieldInput("password", "Password", { type: "password", autocomplete, maxlength: 1024 }, passwordHint),
  };
  const email = fields.email.input;
  const password = fields.password.input;
  const submit = el("button", { type: "submit", class: "button", dataset: { testid: "submit" } }, submitLabel);
  const form = el("form", { class: "card", novalidate: true }, errors.node, fields.email.node, fields.password.node, submit);

  /** Shows each sentence next to its field and focuses the first field in error. */
  function showFieldErrors(found) {
    for (const [name, field] of Object.entries(fields)) field.show(found[name] || "");
    const first = Object.keys(fields).find((name) => found[name]);
    if (first) fields[first].input.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.hide();
    const missing = {
      email: email.value.trim() ? "" : "Enter your email address",
      password: password.value ? "" : "Enter a password",
    };
    showFieldErrors(missing);
    if (missing.email || missing.password) return;
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = "Please wait…";
    try {
      await onSubmit(email.value.trim(), password.value);
    } catch (error) {
      submit.disabled = false;
      submit.textContent = label;
      const found = fieldErrors(error, fields, fieldForStatus);
      if (found) {
        showFieldErrors(found);
      } else {
        errors.show(error.message);
        password.focus();
      }
    }
  });
  root.replaceChildren(
    el("section", { class: "auth" },
      el("div", { class: "brand" }, el("span", { class: "brand-mark", "aria-hidden": "true" }, "▦"), "Scenecraft"),
      el("h1", {}, title),
      lead ? el("p", { class: "lead", dataset: { testid: "auth-lead" } }, lead) : null,
      form,
      after || null,
      switchText ? el("p", { class: "switch" }, switchText, " ", el("a", { href: switchLink }, switchLabel)) : null),
  );
  email.focus();
}
