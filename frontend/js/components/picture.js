// A scene's picture, or what stands in for it. The box around it reserves the frame's ratio, so
// nothing moves when a picture arrives; pictures load lazily. A picture that failed is
// remembered (`failed`), so a re-render shows it crossed out without fetching it again.
import { el } from "../ui.js";

export function placeholder(text) {
  return el("span", { class: "placeholder-art", dataset: { testid: "image-missing" } },
    el("span", { class: "frame-icon", "aria-hidden": "true" }), text);
}

/** What a picture that failed to load looks like: a crossed-out frame, never the "no image" one. */
export function brokenArt(text) {
  return el("span", { class: "placeholder-art broken", role: "img", "aria-label": "Image failed to load", title: "The image at this address failed to load", dataset: { testid: "image-broken" } },
    el("span", { class: "frame-icon", "aria-hidden": "true" }), text);
}

export function picture(src, { alt = "", missing = "", broken = "", testid = "frame-image", failed, eager = false }) {
  if (!src) return placeholder(missing);
  if (failed.has(src)) return brokenArt(broken);
  // `loading` before `src`: an image whose src is set first starts its fetch at once.
  const img = el("img", {
    loading: eager ? "eager" : "lazy", decoding: "async", referrerpolicy: "no-referrer", draggable: "false",
    alt, dataset: { testid }, src,
  });
  img.addEventListener("error", () => {
    failed.add(src);
    img.replaceWith(brokenArt(broken));
  }, { once: true });
  return img;
}

/** The image files a drop or a paste carries (the first one is used). */
export function imageFiles(dataTransfer) {
  if (!dataTransfer) return [];
  return [...(dataTransfer.files || [])].filter((file) => file.type.startsWith("image/") || file.type === "");
}

export function carriesFiles(dataTransfer) {
  return Boolean(dataTransfer) && [...(dataTransfer.types || [])].includes("Files");
}
