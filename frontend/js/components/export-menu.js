// The canvas's Export menu: the PDF storyboard's options (frames per page, orientation, fields,
// the story dossier at the end) with a live preview of the page they make, and the CSV shot
// list and JSON project file.
// It reports each download to the page (`onDownload(path)`), which makes the request.
import { counted, el } from "../ui.js";

const PER_PAGE = [1, 2, 3, 4, 6, 9];
// (columns, rows) per orientation: the same grids as the server's (services/export_pdf.py).
const GRIDS = {
  landscape: { 1: [1, 1], 2: [2, 1], 3: [3, 1], 4: [2, 2], 6: [3, 2], 9: [3, 3] },
  portrait: { 1: [1, 1], 2: [1, 2], 3: [1, 3], 4: [2, 2], 6: [2, 3], 9: [3, 3] },
};
const FIELDS = [
  ["script", "Script"], ["audio", "Audio"], ["notes", "Notes"], ["shot", "Shot & camera"], ["duration", "Duration"],
];
// The page's measures in mm, as services/export_pdf.py lays it out.
const PAGE = { margin: 12, top: 22, gap: 4, padding: 2, title: 4 };
const RATIOS = { "16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1, "4:5": 4 / 5, "4:3": 4 / 3, "2.39:1": 2.39 };

let menus = 0;

export function createExportMenu({ current, onDownload }) {
  const id = `export-menu-${++menus}`;
  const options = { perPage: 6, orientation: "landscape", fields: new Set(FIELDS.map(([name]) => name)), dossier: false };
  const status = el("p", { class: "export-status", role: "status", dataset: { testid: "export-status" } });
  const preview = el("div", { class: "export-preview", "aria-hidden": "true", dataset: { testid: "export-preview" } });
  const pages = el("p", { class: "export-pages", dataset: { testid: "export-pages" } });

  function segmented(label, choices, selected, choose, testid) {
    const buttons = choices.map(([value, text]) => el("button", {
      type: "button", class: "segment", role: "radio", "aria-checked": String(value === selected),
      dataset: { testid: `${testid}-${value}`, value: String(value) },
      onclick: (event) => {
        for (const button of buttons) button.setAttribute("aria-checked", String(button === event.currentTarget));
        choose(value);
        draw();
      },
    }, text));
    return el("div", { class: "export-row" },
      el("span", { class: "export-label" }, label),
      el("div", { class: "segmented", role: "radiogroup", "aria-label": label }, ...buttons));
  }

  const fieldBoxes = FIELDS.map(([name, text]) => {
    const box = el("input", { type: "checkbox", checked: true, dataset: { testid: `export-field-${name}` } });
    box.addEventListener("change", () => {
      if (box.checked) options.fields.add(name);
      else options.fields.delete(name);
      draw();
    });
    return el("label", { class: "export-check" }, box, text);
  });

  const dossierBox = el("input", { type: "checkbox", dataset: { testid: "export-dossier" } });
  dossierBox.addEventListener("change", () => { options.dossier = dossierBox.checked; draw(); });

  const pdfButton = el("button", { type: "button", class: "button", dataset: { testid: "export-pdf" }, onclick: () => download("pdf") }, "Download PDF");
  const panel = el("div", { class: "export-panel", id, role: "dialog", "aria-label": "Export", hidden: true, dataset: { testid: "export-panel" } },
    el("h2", {}, "PDF storyboard"),
    segmented("Frames per page", PER_PAGE.map((n) => [n, String(n)]), options.perPage, (n) => { options.perPage = n; }, "export-per-page"),
    segmented("Orientation", [["landscape", "Landscape"], ["portrait", "Portrait"]], options.orientation, (o) => { options.orientation = o; }, "export-orientation"),
    el("div", { class: "export-row" }, el("span", { class: "export-label" }, "Fields"), el("div", { class: "export-checks" }, ...fieldBoxes)),
    el("div", { class: "export-row" }, el("span", { class: "export-label" }, "Story"),
      el("div", { class: "export-checks" }, el("label", { class: "export-check" }, dossierBox, "Story dossier at the end"))),
    el("div", { class: "export-preview-area" }, preview, pages),
    pdfButton,
    el("h2", {}, "Other formats"),
    el("div", { class: "export-others" },
      el("button", { type: "button", class: "button secondary", dataset: { testid: "export-csv" }, onclick: () => download("csv") }, "Shot list (CSV)"),
      el("button", { type: "button", class: "button secondary", dataset: { testid: "export-json" }, onclick: () => download("json") }, "Project file (JSON)")),
    status);
  const toggle = el("button", {
    type: "button", class: "button secondary", "aria-expanded": "false", "aria-controls": id, dataset: { testid: "export-menu" },
    onclick: () => (panel.hidden ? open() : close()),
  }, "Export");
  const node = el("div", { class: "export-menu" }, toggle, panel);

  function open() {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    draw();
    panel.querySelector("button").focus();
    document.addEventListener("pointerdown", outside);
    document.addEventListener("keydown", escape);
  }

  function close() {
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", outside);
    document.removeEventListener("keydown", escape);
  }

  function outside(event) {
    if (!node.contains(event.target)) close();
  }

  function escape(event) {
    if (event.key !== "Escape") return;
    close();
    toggle.focus();
  }

  /** One page of the storyboard as the options make it, drawn to scale with the server's
   * measures (A4, margins, gaps): the grid, frames at the project's ratio with the first
   * scenes' titles, and a stripe for each chosen field. */
  function draw() {
    const { project, scenes } = current();
    const [columns, rows] = GRIDS[options.orientation][options.perPage];
    const [pageWidth, pageHeight] = options.orientation === "landscape" ? [297, 210] : [210, 297];
    const scale = (options.orientation === "landscape" ? 240 : 170) / pageWidth;
    const cellWidth = (pageWidth - 2 * PAGE.margin - (columns - 1) * PAGE.gap) / columns;
    const cellHeight = (pageHeight - PAGE.top - PAGE.margin - (rows - 1) * PAGE.gap) / rows;
    const ratio = RATIOS[project.aspect_ratio] || 16 / 9;
    const textFields = FIELDS.filter(([name]) => options.fields.has(name));
    let pictureWidth = cellWidth - 2 * PAGE.padding;
    let pictureHeight = pictureWidth / ratio;
    const tallest = (cellHeight - 2 * PAGE.padding - PAGE.title) * (textFields.length ? 0.58 : 1);
    if (pictureHeight > tallest) {
      pictureHeight = tallest;
      pictureWidth = pictureHeight * ratio;
    }
    const px = (mm) => `${(mm * scale).toFixed(1)}px`;
    preview.dataset.orientation = options.orientation;
    preview.style.width = px(pageWidth);
    preview.style.height = px(pageHeight);
    const cells = [];
    for (let index = 0; index < options.perPage; index++) {
      const scene = scenes[index];
      const shape = el("span", { class: "preview-picture" });
      shape.style.width = px(pictureWidth);
      shape.style.height = px(pictureHeight);
      const frame = el("span", { class: "preview-frame", dataset: { testid: "export-preview-frame" } },
        el("span", { class: "preview-title" }, scene ? `${index + 1} ${scene.title}` : `${index + 1}`),
        shape,
        ...textFields.map(([name]) => el("span", { class: "preview-line", dataset: { field: name } })));
      const [row, column] = [Math.floor(index / columns), index % columns];
      Object.assign(frame.style, {
        left: px(PAGE.margin + column * (cellWidth + PAGE.gap)),
        top: px(PAGE.top + row * (cellHeight + PAGE.gap)),
        width: px(cellWidth),
        height: px(cellHeight),
      });
      cells.push(frame);
    }
    const header = el("span", { class: "preview-header" }, project.title);
    Object.assign(header.style, { left: px(PAGE.margin), top: px(PAGE.margin * 0.6), width: px(pageWidth - 2 * PAGE.margin) });
    preview.replaceChildren(header, ...cells);
    const count = Math.max(1, Math.ceil(scenes.length / options.perPage));
    pages.textContent = `${counted(scenes.length, "scene")} → ${counted(count, "page")}` +
      (options.dossier ? " + the story dossier" : "") +
      (textFields.length ? "" : " · pictures and titles only");
  }

  function pdfPath() {
    const { project } = current();
    const query = new URLSearchParams({
      per_page: String(options.perPage),
      orientation: options.orientation,
      fields: FIELDS.map(([name]) => name).filter((name) => options.fields.has(name)).join(","),
    });
    if (options.dossier) query.set("dossier", "true");
    return `/api/projects/${project.id}/export.pdf?${query}`;
  }

  async function download(kind) {
    const { project } = current();
    const path = kind === "pdf" ? pdfPath() : `/api/projects/${project.id}/export.${kind}`;
    const buttons = panel.querySelectorAll("button");
    for (const button of buttons) button.disabled = true;
    status.className = "export-status saving";
    status.textContent = kind === "pdf" ? "Making the PDF…" : "Preparing the file…";
    try {
      await onDownload(path);
      status.className = "export-status saved";
      status.textContent = "Downloaded";
    } catch (error) {
      status.className = "export-status failed";
      status.textContent = `Couldn't export: ${error.message}`;
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  return { node, close };
}
