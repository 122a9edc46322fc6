import { notFound, setTitle } from "../ui.js";

export async function render(root) {
  setTitle("Not found");
  notFound(root);
}
