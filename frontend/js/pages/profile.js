import { api, signOut } from "../api.js";
import { assistantPanel } from "../components/assistant-ledger.js";
import { el, errorBox, formatDate, setTitle, toast } from "../ui.js";
import { assistantApprovalCard } from "../components/assistant-approval.js";
import { personalTokensCard } from "../components/personal-tokens.js";

/** A guest has no email or password yet: the one thing to do here is to create the account. */
function renderGuest(root, user) {
  root.replaceChildren(
    el("div", { class: "narrow" },
      el("div", { class: "page-header" }, el("h1", {}, "Profile")),
      el("section", { class: "card" },
        el("dl", { class: "details" },
          el("dt", {}, "Account"), el("dd", { dataset: { testid: "profile-email" } }, "Guest (no email yet)"),
          el("dt", {}, "Started"), el("dd", { dataset: { testid: "member-since" } }, formatDate(user.created_at))),
        el("p", { class: "hint" }, "Add an email and a password to keep this account and everything in it."),
        el("a", { class: "button", href: "/register?next=/profile", dataset: { testid: "profile-sign-up" } }, "Create your account")),
      el("div", { class: "spacer" }, " "),
      assistantPanel()),
  );
}

export async function render(root, { user }) {
  setTitle("Profile");
  if (user.is_guest) return renderGuest(root, user);
  const errors = errorBox();
  const current = el("input", { id: "current-password", type: "password", autocomplete: "current-password", required: true });
  const replacement = el("input", { id: "new-password", type: "password", autocomplete: "new-password", required: true, "aria-describedby": "new-password-hint" });
  const change = el("button", { type: "submit", class: "button secondary" }, "Change password");
  const form = el("form", { class: "card", novalidate: true },
    el("h2", {}, "Change password"),
    el("p", { class: "hint" }, "Changing it signs you out everywhere else."),
    errors.node,
    el("div", { class: "field" }, el("label", { for: "current-password" }, "Current password"), current),
    el("div", { class: "field" }, el("label", { for: "new-password" }, "New password"), replacement,
      el("div", { class: "hint", id: "new-password-hint" }, "8 to 128 characters.")),
    change);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.hide();
    change.disabled = true;
    try {
      await api("/api/users/me/password", { method: "PUT", body: { current_password: current.value, new_password: replacement.value }, redirectOn401: false });
      current.value = "";
      replacement.value = "";
      toast("Password changed. Other sessions were signed out.");
    } catch (error) {
      errors.show(error.message);
    } finally {
      change.disabled = false;
    }
  });
  root.replaceChildren(
    el("div", { class: "narrow" },
      el("div", { class: "page-header" }, el("h1", {}, "Profile")),
      el("section", { class: "card" },
        el("dl", { class: "details" },
          el("dt", {}, "Email"), el("dd", { dataset: { testid: "profile-email" } }, user.email),
          el("dt", {}, "Member since"), el("dd", { dataset: { testid: "member-since" } }, formatDate(user.created_at))),
        el("button", { type: "button", class: "button danger", onclick: signOut, dataset: { testid: "profile-sign-out" } }, "Sign out")),
      el("div", { class: "spacer" }, " "),
      form,
      el("div", { class: "spacer" }, " "),
      assistantApprovalCard(user),
      el("div", { class: "spacer" }, " "),
      personalTokensCard(),
      el("div", { class: "spacer" }, " "),
      assistantPanel()),
  );
}
