// The assistant, accounted for: which one answers and what it cannot do (the chat's badge), what
// each turn cost (a details disclosure under an answer), the live check and the usage against the
// daily limit (the profile's panel). Everything from /api/assistant, the turn ledger and
// /api/users/me/usage; all text through textContent.
import { api } from "../api.js";
import { counted, el } from "../ui.js";

const CAPABILITIES = [
  ["tools", "use tools"],
  ["streaming", "stream its answers"],
  ["vision", "see images"],
];
const CHECK_LABELS = {
  models: "Model list", answer: "A plain answer", tools: "One tool round", streaming: "Streaming", image: "An image",
};
const numbers = new Intl.NumberFormat();

function cannotDo(capabilities) {
  return CAPABILITIES.filter(([name]) => capabilities[name] === false).map(([, words]) => words);
}

function describeAssistant(status) {
  const where = status.base_url_host ? ` at ${status.base_url_host}` : "";
  return `${status.label}${where}`;
}

/** The chat's line naming the assistant that answers, and what it cannot do. */
export function assistantBadge() {
  const name = el("strong", { dataset: { testid: "assistant-name" } }, "…");
  const limits = el("span", { class: "assistant-limits", dataset: { testid: "assistant-limits" } });
  const badge = el("p", { class: "assistant-badge", dataset: { testid: "assistant-badge" } }, "Answering: ", name, limits);
  api("/api/assistant").then((status) => {
    name.textContent = describeAssistant(status);
    const missing = cannotDo(status.capabilities);
    limits.textContent = missing.length ? ` · cannot ${missing.join(" or ")}` : "";
    if (status.provider === "offline") {
      limits.textContent += " · a rule-based demo: it arranges your board, it does not write scripts";
    }
  }).catch(() => {
    badge.hidden = true;
  });
  return badge;
}

function milliseconds(value) {
  if (value === null || value === undefined) return "—";
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

function tokens(value) {
  return value === null || value === undefined ? "not reported" : numbers.format(value);
}

/** A small disclosure with one turn's figures. */
export function turnDetails(turn) {
  const rows = [
    ["Model", `${turn.model || "—"} (${turn.engine || "—"})`],
    ["Status", turn.status],
    ["Time", `${milliseconds(turn.total_ms)} in all: model ${milliseconds(turn.model_ms)}, tools ${milliseconds(turn.tool_ms)}`],
    ["Tokens", `${tokens(turn.input_tokens)} in, ${tokens(turn.output_tokens)} out`],
    ["Tool calls", String(turn.tool_call_count ?? 0)],
    ["Retries", String(turn.retries ?? 0)],
  ];
  if (turn.error) rows.push(["Error", turn.error]);
  return el("details", { class: "turn-details", dataset: { testid: "turn-details" } },
    el("summary", {}, "Details"),
    el("dl", {}, rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", { dataset: { testid: `turn-${term.toLowerCase().replace(" ", "-")}` } }, value)])));
}

/** A conversation's turns by the answer they produced, to put each answer's details under it;
 * `turnsPath()`: where the conversation on the page lists them. */
export function turnLedger(turnsPath) {
  const byAnswer = new Map();

  function place(bubble, turn) {
    if (turn) bubble.after(turnDetails(turn));
  }

  return {
    async load() {
      try {
        for (const turn of await api(`${turnsPath()}?limit=200`)) {
          if (turn.assistant_message_id) byAnswer.set(turn.assistant_message_id, turn);
        }
      } catch {
        // The figures are an extra: the conversation shows without them.
      }
    },
    attach(bubble, messageId) {
      place(bubble, byAnswer.get(messageId));
    },
    /** After a live answer: its turn is the newest. */
    async attachLatest(bubble, messageId) {
      try {
        const [turn] = await api(`${turnsPath()}?limit=1`);
        if (turn && turn.assistant_message_id === messageId) place(bubble, turn);
      } catch {
        // As above.
      }
    },
  };
}

function checkList(checks) {
  return el("ul", { class: "check-list", dataset: { testid: "assistant-checks" } },
    checks.map((check) => el("li", { class: check.ok ? "ok" : "failed", dataset: { testid: "assistant-check", check: check.name, ok: String(check.ok) } },
      el("span", { class: "check-mark", "aria-hidden": "true" }, check.ok ? "✓" : "✗"),
      el("span", {},
        el("strong", {}, `${CHECK_LABELS[check.name] || check.name} `),
        el("span", { class: "hint" }, `(${milliseconds(check.ms)}) `),
        el("span", { class: "visually-hidden" }, check.ok ? "passed: " : "failed: "),
        check.detail))));
}

function usageRows(usage) {
  const limit = usage.limits.assistant_messages_per_day;
  const used = usage.limits.messages_used_today;
  const meter = el("progress", { max: limit, value: Math.min(used, limit), "aria-label": "Messages used today", dataset: { testid: "usage-meter" } });
  return [
    el("dl", { class: "details" },
      el("dt", {}, "Today"), el("dd", { dataset: { testid: "usage-today" } }, `${numbers.format(used)} of ${numbers.format(limit)} messages`),
      el("dt", {}, "Tokens today"), el("dd", { dataset: { testid: "usage-tokens-today" } }, `${numbers.format(usage.today.input_tokens)} in, ${numbers.format(usage.today.output_tokens)} out`),
      el("dt", {}, "Last 30 days"), el("dd", { dataset: { testid: "usage-month" } },
        `${counted(usage.last_30_days.messages, "message")}, ${counted(usage.last_30_days.input_tokens + usage.last_30_days.output_tokens, "token")}`)),
    meter,
    el("p", { class: "hint" }, "The daily limit starts again at midnight UTC."),
  ];
}

/** The profile's card: the assistant, a live check of it, and this account's usage. */
export function assistantPanel() {
  const summary = el("p", { dataset: { testid: "assistant-summary" } }, "Loading…");
  const results = el("div", { "aria-live": "polite" });
  const usage = el("div", { dataset: { testid: "usage" } }, el("p", { class: "hint" }, "Loading usage…"));
  const button = el("button", { type: "button", class: "button secondary", dataset: { testid: "assistant-check-button" } }, "Check the assistant");

  function showStatus(status) {
    const missing = cannotDo(status.capabilities);
    summary.textContent = `${describeAssistant(status)} · ${status.model} through the ${status.engine} API` +
      (missing.length ? ` · cannot ${missing.join(" or ")}` : "");
  }

  async function showUsage() {
    try {
      usage.replaceChildren(...usageRows(await api("/api/users/me/usage")));
    } catch (error) {
      usage.replaceChildren(el("p", { class: "hint over" }, error.message));
    }
  }

  let shown = null; // the latest results, kept when a later check is refused

  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Checking…";
    results.replaceChildren(el("p", { class: "hint" }, "Asking the model provider…"));
    try {
      const check = await api("/api/assistant/check", { method: "POST" });
      showStatus(check);
      shown = checkList(check.checks);
      results.replaceChildren(shown);
    } catch (error) {
      results.replaceChildren(el("p", { class: "hint over", role: "alert", dataset: { testid: "assistant-check-error" } }, error.message));
      if (shown) results.append(shown);
    } finally {
      button.disabled = false;
      button.textContent = "Check the assistant";
    }
  });

  api("/api/assistant").then(showStatus).catch((error) => { summary.textContent = error.message; });
  showUsage();
  return el("section", { class: "card assistant-panel", dataset: { testid: "assistant-panel" } },
    el("h2", {}, "Assistant"),
    summary,
    el("p", { class: "hint" }, "The check asks the model provider for its models, a plain answer, one tool round, a streamed answer and a look at a picture."),
    button,
    results,
    el("h3", {}, "Your usage"),
    usage);
}
