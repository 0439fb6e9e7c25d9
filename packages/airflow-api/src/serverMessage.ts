/**
 * The server's own words for a failed call, safe to show. Airflow 2 answers RFC 7807 problems
 * (`{title, detail, status}`), Airflow 3 `{detail: "..."}` or, on 422, FastAPI's
 * `{detail: [{loc, msg, input}]}` — and `input` echoes what was sent, password included. So only
 * `loc` and `msg` are kept, and any secret the request carried is masked wherever it still
 * appears in the text.
 */

/** Secrets shorter than this are not masked inside messages: they would mangle ordinary words. */
const MIN_SECRET_LENGTH = 3;

export function serverMessage(status: number, body: unknown, secrets: readonly string[] = []): string {
  return scrub(`${status} ${describeBody(body)}`.trim(), secrets);
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  const ordered = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    out = out.split(secret).join("***");
    // The server may quote the value JSON- or Python-style; mask the escaped spelling too.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join("***");
  }
  return out;
}

function describeBody(body: unknown): string {
  if (typeof body === "string") return body.slice(0, 500);
  if (body === null || typeof body !== "object") return "";
  const b = body as Record<string, unknown>;
  const detail = b.detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const item = (d ?? {}) as { loc?: unknown; msg?: unknown };
        const loc = Array.isArray(item.loc) ? item.loc.join(".") : "";
        return `${loc ? `${loc}: ` : ""}${typeof item.msg === "string" ? item.msg : "invalid"}`;
      })
      .join("; ");
  }
  const title = typeof b.title === "string" ? b.title : "";
  const text = typeof detail === "string" ? detail : detail !== undefined && detail !== null ? JSON.stringify(detail) : "";
  if (title && text) return `${title}: ${text}`;
  return title || text || (typeof b.message === "string" ? b.message : "");
}
