// Boots the page for the current path: the top bar for signed-in pages, then the page itself.
import { api, signOut } from "./api.js";
import { load, resolve } from "./router.js";
import { el } from "./ui.js";

/** Under the top bar of a guest's pages: what a guest account is, and the way to keep it. */
function guestBanner(limits) {
  const next = window.location.pathname + window.location.search;
  return el("div", { class: "guest-banner", role: "region", "aria-label": "Guest account", dataset: { testid: "guest-banner" } },
    el("p", {},
      el("strong", {}, "You're trying Scenecraft as a guest. "),
      `Up to ${limits.projects_per_account} projects and ${limits.assistant_messages_per_day} messages to the assistant a day. Create an account to keep your work: a guest account that goes unused is deleted.`),
    el("a", { class: "button small", href: `/register?next=${encodeURIComponent(next)}`, dataset: { testid: "guest-sign-up" } }, "Create your account"));
}

/** A guest has no password: signing out is leaving the work behind, so it asks first. */
function guestSignOut() {
  if (window.confirm("Sign out of the guest account? Without an account you cannot come back to its projects.")) signOut();
}

async function setUpTopbar(user, route) {
  const bar = document.querySelector(".topbar");
  bar.querySelector(".user-email").textContent = user.is_guest ? "Guest" : user.email;
  for (const link of bar.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === route.nav) link.setAttribute("aria-current", "page");
  }
  bar.querySelector("[data-testid=sign-out]").addEventListener("click", user.is_guest ? guestSignOut : signOut);
  if (user.is_guest && route.page !== "register") bar.after(guestBanner(user.limits));
  bar.hidden = false;
}

/** The signed-in user: required on protected pages, looked up quietly where it is optional. */
async function signedInUser(route) {
  if (!route.public) return api("/api/users/me");
  // The server marks the shell of an optional-user page when the browser is signed in.
  if (!route.optionalUser || document.body.dataset.signedIn !== "true") return null;
  try {
    return await api("/api/users/me", { redirectOn401: false });
  } catch {
    return null; // signed out (or the server is unsure): the page works without the top bar
  }
}

async function boot() {
  const root = document.getElementById("main");
  const route = resolve(window.location.pathname);
  // The page's module loads, and starts the page's own first request (`prefetch`), while the
  // user is looked up: none of them waits for the others.
  const pageReady = load(route.page).then((module) => {
    if (module.prefetch) module.prefetch(route.params);
    return module;
  });
  const [user, page] = await Promise.all([signedInUser(route), pageReady]);
  if (user) await setUpTopbar(user, route);
  await page.render(root, { params: route.params, user });
}

boot().catch((error) => {
  console.error(error); // the stack, for whoever looks
  const root = document.getElementById("main");
  root.textContent = `Scenecraft could not start: ${error.message}`;
});
