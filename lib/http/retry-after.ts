/** Header values are read case-insensitively; undici gives them lower-cased. */
export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long `Retry-After` asks us to wait, in ms: delta-seconds or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = header(headers, "retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * When the rate-limit window resets, as epoch ms. Port has not said whether
 * `x-ratelimit-reset` is epoch seconds or seconds-until-reset, so values above 10^9 are
 * read as epoch seconds (GitHub's form) and smaller ones as a delay.
 */
export function rateLimitResetAt(headers: Headers, now = Date.now()): number | undefined {
  const value = Number(header(headers, "x-ratelimit-reset"));
  if (!Number.isFinite(value) || value < 0) return undefined;
  return value > 1e9 ? value * 1000 : now + value * 1000;
}

/** `x-ratelimit-remaining` as a number, when present. */
export function rateLimitRemaining(headers: Headers): number | undefined {
  const raw = header(headers, "x-ratelimit-remaining");
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Exponential backoff with full jitter: a uniform wait in [0, min(cap, base·2^attempt)). */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
