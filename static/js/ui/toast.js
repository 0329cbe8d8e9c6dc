// Short notices in the corner: "User created", "Could not save". The region
// is a manual popover, raised to the top layer again for each notice, so a
// notice shows above an open dialog too.

import { h, icon, sentence } from "../dom.js";

const LIFETIME = { success: 5000, info: 6000, error: 10000 };
const MAX_SHOWN = 3;

function raise(region) {
  if (typeof region.showPopover !== "function") return;
  if (region.matches(":popover-open")) region.hidePopover();
  region.showPopover();
}

/** Open the (empty) region at start, so that screen readers know it. */
export function openToastRegion() {
  const region = document.getElementById("toasts");
  if (region) raise(region);
}

export function toast(message, kind = "success") {
  const region = document.getElementById("toasts");
  if (!region) return;
  const close = h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss" }, icon("close", 16));
  const item = h("div", { class: ["toast", `toast-${kind}`] }, h("p", {}, message), close);
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  region.append(item);
  while (region.children.length > MAX_SHOWN) region.firstElementChild.remove();
  raise(region);
  setTimeout(remove, LIFETIME[kind] || 5000);
}

/** Show an error as a toast, with the server's detail when it has one. */
export function toastError(error, prefix = "") {
  const text = sentence(error && error.message ? error.message : String(error));
  toast(prefix ? `${prefix}: ${text}` : text, "error");
}
