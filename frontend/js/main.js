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

async function boot() {
  const root = document.getElementById("main");
  const route = resolve(window.location.pathname);
  let user = null;
  if (!route.public) {
    user = await api("/api/users/me");
    await setUpTopbar(user, route.nav);
  }
  const page = await load(route.page);
  await page.render(root, { params: route.params, user });
}

boot().catch((error) => {
  const root = document.getElementById("main");
  root.textContent = `Scenecraft could not start: ${error.message}`;
});
