// Pictures sent with a chat message: the tray of pending ones (each uploaded as soon as it is
// chosen, pasted or dropped, shown with its state and a Remove button), and the row of
// thumbnails under a sent message. The server keeps them as the sender's files; the message
// names them by id.
import { api } from "../api.js";
import { el, toast } from "../ui.js";
import { carriesFiles, imageFiles, picture } from "./picture.js";

export const MAX_ATTACHMENTS = 4;
const failedThumbnails = new Set();
const SVG = "http://www.w3.org/2000/svg";

/** A paper clip, drawn (no emoji font is needed). */
function clipIcon() {
  const icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("class", "attach-icon");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.4 3.4 0 0 1 4.8 4.8l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9");
  icon.append(path);
  return icon;
}

/** The thumbnails of a sent message's pictures (`[{file_id, filename}]`), each opening the
 * picture itself; null when it has none. A picture deleted since shows crossed out. */
export function attachmentRow(attachments) {
  if (!attachments || !attachments.length) return null;
  return el("div", { class: "message-attachments", dataset: { testid: "message-attachments" } },
    ...attachments.map((attachment) =>
      el("a", { class: "message-attachment", href: `/api/files/${attachment.file_id}`, target: "_blank", rel: "noopener", title: attachment.filename },
        picture(`/api/files/${attachment.file_id}/thumbnail`, {
          alt: attachment.filename, broken: "Deleted", testid: "message-attachment", failed: failedThumbnails,
        }))));
}

/**
 * The attach button, the tray, and what the page needs of them. `dropZone` takes dropped
 * pictures, `pasteTarget` pasted ones; `onChange()` runs whenever the pending set or its state
 * changes (the page disables Send while an upload is running).
 */
export function createAttachmentTray({ dropZone, pasteTarget, onChange }) {
  let items = [];
  const tray = el("ul", { class: "attachment-tray", hidden: true, "aria-label": "Pictures to send", dataset: { testid: "attachment-tray" } });
  const chooser = el("input", { type: "file", accept: "image/png,image/jpeg,image/webp,image/gif", multiple: true, hidden: true, dataset: { testid: "attach-input" } });
  const button = el("button", {
    type: "button", class: "button secondary attach-button", title: `Attach pictures (up to ${MAX_ATTACHMENTS}; paste or drop them too)`,
    "aria-label": "Attach pictures", dataset: { testid: "attach-button" }, onclick: () => chooser.click(),
  }, clipIcon());

  function changed() {
    tray.hidden = items.length === 0;
    button.disabled = items.length >= MAX_ATTACHMENTS;
    onChange();
  }

  function render(item) {
    const status = item.error ? item.error : item.fileId ? "Ready" : "Uploading…";
    item.node.className = `attachment ${item.error ? "failed" : item.fileId ? "ready" : "uploading"}`;
    item.status.textContent = status;
  }

  async function upload(item) {
    try {
      const stored = await api("/api/files", { method: "POST", file: item.file });
      item.fileId = stored.id;
      item.filename = stored.filename;
    } catch (error) {
      item.error = error.message;
    }
    if (items.includes(item)) { render(item); changed(); }
    else forget(item); // removed while it uploaded
  }

  /** Out of the tray (sent, or removed). */
  function remove(item) {
    items = items.filter((other) => other !== item);
    URL.revokeObjectURL(item.preview);
    item.node.remove();
    changed();
  }

  /** A picture the person took back: its upload is deleted too, so it does not fill their
   * storage (one still uploading is deleted once its upload answers). */
  function discard(item) {
    remove(item);
    forget(item);
  }

  function forget(item) {
    // One put back from a sent message stays: that message still shows it.
    if (item.fileId && !item.sent) api(`/api/files/${item.fileId}`, { method: "DELETE" }).catch(() => {});
  }

  /** Into the tray: `item` is {file, fileId, filename, preview} (a new file, or one uploaded). */
  function show(item) {
    Object.assign(item, { error: "" });
    item.status = el("span", { class: "attachment-status", dataset: { testid: "attachment-status" } });
    item.node = el("li", { dataset: { testid: "attachment" } },
      el("img", { src: item.preview, alt: item.filename || "Pasted picture", class: "attachment-preview" }),
      item.status,
      el("button", { type: "button", class: "attachment-remove", "aria-label": `Remove ${item.filename || "the picture"}`, dataset: { testid: "attachment-remove" }, onclick: () => discard(item) }, "×"));
    render(item);
    items.push(item);
    tray.append(item.node);
  }

  function add(files) {
    const room = MAX_ATTACHMENTS - items.length;
    if (files.length > room) toast(`A message takes up to ${MAX_ATTACHMENTS} pictures.`, "error");
    for (const file of files.slice(0, Math.max(room, 0))) {
      const item = { file, fileId: null, filename: file.name, preview: URL.createObjectURL(file) };
      show(item);
      upload(item);
    }
    changed();
  }

  chooser.addEventListener("change", () => {
    add([...chooser.files]);
    chooser.value = "";
  });
  pasteTarget.addEventListener("paste", (event) => {
    const files = imageFiles(event.clipboardData);
    if (!files.length) return;
    event.preventDefault();
    add(files);
  });
  dropZone.addEventListener("dragover", (event) => {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    dropZone.classList.add("dropping");
  });
  dropZone.addEventListener("dragleave", (event) => {
    if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove("dropping");
  });
  dropZone.addEventListener("drop", (event) => {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    dropZone.classList.remove("dropping");
    add(imageFiles(event.dataTransfer));
  });

  return {
    button,
    chooser,
    tray,
    /** Whether a picture is still uploading (a message must wait for it). */
    get uploading() { return items.some((item) => !item.fileId && !item.error); },
    /** The uploaded pictures, for the message about to go: [{file_id, filename}]. Failed ones
     * stay behind in the tray with their error; the rest leave it. */
    take() {
      const ready = items.filter((item) => item.fileId);
      for (const item of ready) remove(item);
      return ready.map((item) => ({ file_id: item.fileId, filename: item.filename }));
    },
    /** Pictures already uploaded (a message to edit and send again) back into the tray. */
    putBack(pictures) {
      for (const picture of pictures.slice(0, MAX_ATTACHMENTS - items.length)) {
        show({ file: null, fileId: picture.file_id, filename: picture.filename, preview: `/api/files/${picture.file_id}/thumbnail`, sent: true });
      }
      changed();
    },
  };
}
