// The projects page's "Import project": pick a project file (a JSON export) and make a new
// project from it. It reports the parsed document to the page (`onImport(document)`), which
// makes the request; a refusal names the place in the file that is wrong.
import { el } from "../ui.js";

/** `scenes[3].shot_size` from a 422's loc (["body", "scenes", 3, "shot_size"]). */
export function faultPath(loc) {
  return (loc || []).filter((part) => part !== "body")
    .map((part, index) => (typeof part === "number" ? `[${part}]` : `${index ? "." : ""}${part}`)).join("");
}

export function createProjectImport({ onImport }) {
  const input = el("input", { type: "file", accept: ".json,application/json", id: "import-file", dataset: { testid: "import-file" } });
  const status = el("span", { class: "import-status", role: "status", dataset: { testid: "import-status" } });
  const button = el("button", { type: "button", class: "button secondary", dataset: { testid: "import-project" }, onclick: () => input.click() }, "Import project");

  function show(kind, text) {
    status.className = `import-status ${kind}`;
    status.textContent = text;
  }

  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    let document;
    try {
      document = JSON.parse(await file.text());
    } catch {
      show("failed", `“${file.name}” is not a project file (it is not JSON).`);
      return;
    }
    button.disabled = true;
    show("saving", `Importing “${file.name}”…`);
    try {
      const project = await onImport(document);
      show("saved", `Imported “${project.title}”.`);
    } catch (error) {
      const faults = Array.isArray(error.detail) ? error.detail : [];
      const where = faults.map((fault) => faultPath(fault.loc)).filter(Boolean);
      const message = faults.length
        ? faults.map((fault, index) => `${where[index] ? `${where[index]}: ` : ""}${String(fault.msg || "").replace(/^Value error, /, "")}`).join(" · ")
        : error.message;
      show("failed", `Couldn't import: ${message}`);
    } finally {
      button.disabled = false;
    }
  });

  const node = el("div", { class: "import-project" }, button, input, status);
  return { node };
}
