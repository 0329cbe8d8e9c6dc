// Start the app: find out who is signed in, then let the router render the
// page of the current address, and every page after it.

import { on } from "./api.js";
import { h, replace } from "./dom.js";
import { match, navigate, setRoutes, start } from "./router.js";
import { routes } from "./routes.js";
import { loadSession, forgetSession, session } from "./session.js";
import { mountBare, mountShell } from "./shell.js";
import { errorState, loading } from "./ui/page.js";
import { openToastRegion } from "./ui/toast.js";

const root = document.getElementById("app");
let renderCount = 0;

function here() {
  return location.pathname + location.search;
}

function forbidden(route) {
  return h(
    "section",
    { class: "page" },
    errorState({ status: 403, message: `This page needs the permission ${route.permission}. Ask an administrator of your tenant for a role that has it.` }, null, { level: 1 }),
  );
}

function guard(route) {
  if (route.redirect) return route.redirect;
  if (!route.public && !session.signedIn) {
    const next = here() === "/" ? "" : `?next=${encodeURIComponent(here())}`;
    return `/signin${next}`;
  }
  if (session.signedIn && session.mustChangePassword && route.path !== "/password/required") {
    return "/password/required";
  }
  if (session.signedIn && route.path === "/signin") {
    return new URLSearchParams(location.search).get("next") || "/console";
  }
  return null;
}

function context(found, title) {
  return {
    params: found.params,
    query: new URLSearchParams(location.search),
    session,
    navigate,
    route: found.route,
    setTitle: (text) => {
      document.title = `${text} · ${title}`;
    },
  };
}

async function render({ pushed }) {
  const count = ++renderCount;
  const found = match(location.pathname);
  const redirect = guard(found.route);
  if (redirect && redirect !== here()) {
    navigate(redirect, { replace: true });
    return;
  }
  const { route } = found;
  document.title = `${route.title || "tcloud"} · tcloud`;
  const main = route.layout === "bare" ? mountBare(root) : mountShell(root, route, location.pathname);
  root.removeAttribute("aria-busy");
  if (route.permission && !session.can(route.permission)) {
    replace(main, forbidden(route));
    return;
  }
  replace(main, loading());
  let node;
  try {
    const module = await route.view();
    if (count !== renderCount) return;
    node = await module.default(context(found, "tcloud"));
  } catch (error) {
    if (error.status === 401 || error.code === "password-change-required") return;
    node = h("section", { class: "page" }, errorState(error, () => render({ pushed: false }), { level: 1 }));
  }
  if (count !== renderCount) return;
  replace(main, node);
  if (pushed) (main.querySelector("h1") || main).focus({ preventScroll: false });
}

on("unauthorized", () => {
  if (!session.signedIn) return;
  forgetSession();
  navigate(`/signin?next=${encodeURIComponent(here())}`, { replace: true });
});

on("passwordChange", () => {
  if (session.me) session.me.must_change_password = true;
  navigate("/password/required", { replace: true });
});

async function boot() {
  setRoutes(routes);
  openToastRegion();
  try {
    await loadSession();
  } catch (error) {
    root.removeAttribute("aria-busy");
    replace(root, h("main", { class: "bare" }, errorState(error, () => location.reload(), { level: 1 })));
    return;
  }
  start(render);
}

boot();
