// The project's live event stream (GET /api/projects/{id}/events): every change set as it
// commits, from any instance, in revision order. The browser's EventSource reconnects by itself
// and resumes with Last-Event-ID (the last revision it got); the first connection resumes from
// the revision the page loaded (`after`), so nothing made in between is missed. A stream the
// server refused or ended for good (a 404, a proxy's 502) is opened again a few seconds later,
// unless the sign-in has ended (the stream stops with it): then the page goes to sign in.
import { api } from "../api.js";

const RETRY_MS = 5000;

/**
 * `onChange(changeSet)` for each change set; `onState("live" | "reconnecting")` as the
 * connection comes and goes. Returns `{ close() }`.
 */
export function followProject(projectId, { after, onChange, onState = () => {} }) {
  let last = after;
  let source = null;
  let retry = null;
  let closed = false;

  function open() {
    const query = last === null || last === undefined ? "" : `?last_event_id=${encodeURIComponent(last)}`;
    source = new EventSource(`/api/projects/${projectId}/events${query}`);
    source.addEventListener("open", () => onState("live"));
    source.addEventListener("change", (event) => {
      const changeSet = JSON.parse(event.data);
      last = changeSet.revision;
      onChange(changeSet);
    });
    source.addEventListener("error", () => {
      onState("reconnecting");
      if (source.readyState !== EventSource.CLOSED || closed) return;
      retry = setTimeout(reopen, RETRY_MS);
    });
  }

  /** Open again while still signed in (a 401 here sends the page to sign in, as any call). */
  async function reopen() {
    try {
      await api("/api/users/me");
    } catch {
      if (!closed) retry = setTimeout(reopen, RETRY_MS);
      return;
    }
    if (!closed) open();
  }

  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      if (source) source.close();
    },
  };
}
