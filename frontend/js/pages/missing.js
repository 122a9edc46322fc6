import { notFound, setTitle } from "../ui.js";

export async function render(root, { user }) {
  setTitle("Not found");
  notFound(root, "page", { signedIn: Boolean(user) });
}
