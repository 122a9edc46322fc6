// Which page module draws which path. Every page is a full load of the same shell; the server
// already sent signed-out visitors of protected pages to /login. `public` pages need no account;
// `optionalUser` ones show the top bar when someone is signed in.

const routes = [
  { pattern: /^\/login\/?$/, page: "login", public: true },
  { pattern: /^\/register\/?$/, page: "register", public: true, optionalUser: true },
  { pattern: /^\/projects\/?$/, page: "projects", nav: "projects" },
  { pattern: /^\/canvas\/([0-9a-fA-F-]{36})\/?$/, page: "canvas", nav: "projects" },
  { pattern: /^\/chat\/([0-9a-fA-F-]{36})\/?$/, page: "chat", nav: "projects" },
  { pattern: /^\/profile\/?$/, page: "profile", nav: "profile" },
  { pattern: /^\/billing\/?$/, page: "billing", nav: "billing" },
  { pattern: /^\/s\/([A-Za-z0-9_-]+)\/?$/, page: "shared", public: true },
];

export function resolve(pathname) {
  for (const route of routes) {
    const match = pathname.match(route.pattern);
    if (match) return { ...route, params: match.slice(1) };
  }
  return { page: "missing", public: true, optionalUser: true, params: [] };
}

export async function load(page) {
  return import(`./pages/${page}.js`);
}
