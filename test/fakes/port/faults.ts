/**
 * Seeded fault injection for the Port emulator: fixed latency, random 5xx / 429 / connection
 * resets / slow responses, and a global request-rate window that answers 429 when spent
 * (and reports itself in `x-ratelimit-*` headers, as Port does).
 */

/** What can go wrong with one request. Settings are read per request, so tests may change them live. */
export interface FaultSettings {
  /** Added before every response, in ms. */
  latencyMs: number;
  /** Probability of a 500/502/503/504. Half of them happen after the request took effect. */
  errorRate: number;
  /** Probability of a 429 with `Retry-After: retryAfterSec`. */
  rateLimitedRate: number;
  retryAfterSec: number;
  /** Probability that the socket is destroyed without a response (half of them after the write). */
  resetRate: number;
  /** Probability that a response is delayed by an extra `slowMs` (to trip client timeouts). */
  slowRate: number;
  slowMs: number;
  /** A global limit: more requests than this in one second are answered 429. 0 = none. */
  requestsPerSecond: number;
  /** Route names faults apply to; empty = every route. Latency and the rate window always apply. */
  routes: string[];
}

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  errorRate: 0,
  rateLimitedRate: 0,
  retryAfterSec: 1,
  resetRate: 0,
  slowRate: 0,
  slowMs: 0,
  requestsPerSecond: 0,
  routes: [],
};

/**
 * A reply the emulator gives instead of its own, for tests of bad responses: any status and
 * any body (an HTML error page from a proxy, truncated JSON, a body of the wrong shape).
 */
export interface InjectedReply {
  /** The route it applies to (e.g. "bulkUpsert", "search", "auth"); any route when absent. */
  route?: string;
  status: number;
  /** Sent as is when a string, else as JSON. */
  body: unknown;
  /** Default: `text/html` for a string body starting with "<", else `application/json`. */
  contentType?: string;
  headers?: Record<string, string>;
  /** How many matching requests get it. Default 1. */
  times?: number;
  /** Carry out the request first (a write takes effect), then answer this: a reply corrupted on the way back. */
  afterWrite?: boolean;
  /** Answer only after this many ms (after the write with `afterWrite`): a reply slower than the client's timeout. */
  delayMs?: number;
}

/** The decision for one request. */
export type Fault =
  | { kind: "none" }
  | { kind: "error"; status: number; afterWrite: boolean }
  | { kind: "rate-limited"; retryAfterSec: number }
  | { kind: "reset"; afterWrite: boolean }
  | { kind: "slow"; ms: number };

/** mulberry32: small, fast and good enough to make fault sequences reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function rollFault(settings: FaultSettings, route: string, random: () => number): Fault {
  if (settings.routes.length > 0 && !settings.routes.includes(route)) return { kind: "none" };
  const roll = random();
  const half = random() < 0.5;
  let edge = settings.errorRate;
  if (roll < edge) {
    const statuses = [500, 502, 503, 504];
    return {
      kind: "error",
      status: statuses[Math.floor(random() * statuses.length)] ?? 503,
      afterWrite: half,
    };
  }
  edge += settings.rateLimitedRate;
  if (roll < edge) return { kind: "rate-limited", retryAfterSec: settings.retryAfterSec };
  edge += settings.resetRate;
  if (roll < edge) return { kind: "reset", afterWrite: half };
  edge += settings.slowRate;
  if (roll < edge) return { kind: "slow", ms: settings.slowMs };
  return { kind: "none" };
}

export interface RateWindowOptions {
  /** Requests allowed per window. */
  limit: number;
  periodSec: number;
  /** How `x-ratelimit-reset` is written: seconds until the reset, or the reset's epoch seconds. */
  resetForm: "delay" | "epoch";
}

/**
 * A fixed window of requests, like Port's per-organization limit. `take()` spends one request
 * and returns the headers to send, plus whether the request is over the limit.
 */
export class RateWindow {
  readonly options: RateWindowOptions;
  #windowStart = 0;
  #used = 0;

  constructor(options: RateWindowOptions) {
    this.options = options;
  }

  take(now = Date.now()): { limited: boolean; retryAfterSec: number; headers: Record<string, string> } {
    const periodMs = this.options.periodSec * 1000;
    if (now - this.#windowStart >= periodMs) {
      this.#windowStart = now - (now % periodMs);
      this.#used = 0;
    }
    this.#used += 1;
    const resetAtMs = this.#windowStart + periodMs;
    const remaining = Math.max(0, this.options.limit - this.#used);
    const untilReset = Math.max(0, Math.ceil((resetAtMs - now) / 1000));
    const reset = this.options.resetForm === "epoch" ? Math.ceil(resetAtMs / 1000) : untilReset;
    return {
      limited: this.#used > this.options.limit,
      retryAfterSec: Math.max(1, untilReset),
      headers: {
        "x-ratelimit-limit": String(this.options.limit),
        "x-ratelimit-remaining": String(remaining),
        "x-ratelimit-period": String(this.options.periodSec),
        "x-ratelimit-reset": String(reset),
      },
    };
  }
}
