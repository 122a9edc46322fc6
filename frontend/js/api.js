// One way to talk to the API: same-origin cookie auth, JSON in and out, errors as readable text.

export class ApiError extends Error {
  constructor(status, message, detail, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.body = body; // the whole error body: a 412 names the project's current `revision`
  }
}

const FIELD_NAMES = {
  image_url: "Image URL", script_content: "Script", scene_ids: "Scene order", duration_seconds: "Duration",
  target_duration_seconds: "Target", shot_size: "Shot size", camera_movement: "Camera", image_file_id: "Picture",
};

function fieldName(loc) {
  const field = [...(loc || [])].reverse().find((part) => typeof part === "string" && part !== "body");
  if (!field) return "";
  return FIELD_NAMES[field] || field.charAt(0).toUpperCase() + field.slice(1).replaceAll("_", " ");
}

/** Turns an error response into a sentence a person can act on. */
export function describeError(status, data) {
  const detail = data && data.detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const message = String(item.msg || "is invalid").replace(/^Value error, /, "");
        const field = fieldName(item.loc);
        return field ? `${field}: ${message}` : message;
      })
      .join(" · ");
  }
  if (typeof detail === "string" && detail) return detail;
  if (status === 413) return "That is too much to send at once.";
  if (status === 415) return "That file type is not supported.";
  if (status === 429) return "Too many attempts. Please wait a moment and try again.";
  if (status >= 500) return `Something went wrong on the server (${status}). Please try again.`;
  return `The request failed (${status}).`;
}

/** Where to go after signing in: only a path on this site, never another origin. */
export function safeNext(value, fallback = "/projects") {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) {
    return fallback;
  }
  try {
    const url = new URL(value, window.location.origin);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

export function signInUrl() {
  const next = window.location.pathname + window.location.search;
  return `/login?next=${encodeURIComponent(next)}`;
}

/**
 * Calls the API. `body` is sent as JSON, `form` as urlencoded, `file` as the multipart form's
 * `file` part. A 401 outside /api/auth sends the browser to the sign-in page (with `next`),
 * unless `redirectOn401` is false. `headers` are sent too (If-Match); `onResponse(response)`
 * sees the response before its body is read (its ETag).
 */
export async function api(path, { method = "GET", body, form, file, signal, redirectOn401 = true, headers: extra = {}, onResponse } = {}) {
  const headers = { Accept: "application/json", ...extra };
  let payload;
  if (file) {
    payload = new FormData();
    payload.append("file", file, file.name || "picture");
  } else if (form) {
    payload = new URLSearchParams(form);
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "same-origin", signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "Can't reach Scenecraft. Check your connection and try again.");
  }
  if (response.status === 401 && redirectOn401 && !path.startsWith("/api/auth/")) {
    window.location.assign(signInUrl());
    throw new ApiError(401, "Your session has ended. Please sign in again.");
  }
  if (onResponse) onResponse(response);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, describeError(response.status, data), data && data.detail, data);
  return data;
}

/** The file name a Content-Disposition header gives (its UTF-8 form when there is one). */
function attachmentName(header) {
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header || "");
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // fall back to the plain name
    }
  }
  const plain = /filename="([^"]*)"/i.exec(header || "");
  return plain ? plain[1] : "";
}

/** Fetches a file from the API (an export) and hands it to the browser as a download, named as
 * the server says; errors are ApiErrors like `api`'s. */
export async function download(path, fallbackName = "download") {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "Can't reach Scenecraft. Check your connection and try again.");
  }
  if (response.status === 401) {
    window.location.assign(signInUrl());
    throw new ApiError(401, "Your session has ended. Please sign in again.");
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(response.status, describeError(response.status, data), data && data.detail);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = attachmentName(response.headers.get("content-disposition")) || fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Revokes the session on the server, then shows the sign-in page. */
export async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST", redirectOn401: false });
  } catch {
    // Already signed out on the server: the cookie is cleared either way.
  }
  window.location.assign("/login");
}
