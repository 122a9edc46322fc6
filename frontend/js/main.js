// Boots the page for the current path: the top bar for signed-in pages, then the page itself.
import { api, signOut } from "./api.js";
import { load, resolve } from "./router.js";

async function setUpTopbar(user, nav) {
  const bar = document.querySelector(".topbar");
  bar.querySelector(".user-email").textContent = user.email;
  for (const link of bar.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === nav) link.setAttribute("aria-current", "page");
  }
  bar.querySelector("[data-testid=sign-out]").addEventListener("click", signOut);
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
  if (user) await setUpTopbar(user, route.nav);
  await page.render(root, { params: route.params, user });
}

boot().catch((error) => {
  const root = document.getElementById("main");
  root.textContent = `Scenecraft could not start: ${error.message}`;
});
