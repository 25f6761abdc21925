import { type Dispatcher, request as undiciRequest } from "undici";
import { type Clock, realClock } from "./clock.ts";
import { sharedDispatcher } from "./dispatcher.ts";
import { NetworkError, RetryLaterError } from "./errors.ts";
import { RateLimitGate } from "./rate-limit.ts";
import {
  backoffMs,
  type Headers,
  rateLimitRemaining,
  rateLimitResetAt,
  retryAfterMs,
} from "./retry-after.ts";

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A cap on the time spent waiting between attempts of one request. */
  maxTotalWaitMs: number;
}

export interface HttpClientOptions {
  baseUrl: string;
  userAgent: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Whether a response should be retried. Defaults to 408, 429 and 5xx except 501. */
  isRetryable?: (status: number, headers: Headers) => boolean;
  /** Called before each retry, e.g. for logging; never given secrets. */
  onRetry?: (event: RetryEvent) => void;
  random?: () => number;
  /** Whose time rate-limit windows and retry waits are on (default the real one). */
  clock?: Clock;
}

export interface RetryEvent {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  status?: number;
  error?: string;
}

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A path under the base URL, or an absolute URL on the same API (a Link header's `next`). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** A body already serialized as JSON, sent as is instead of `body` (saves a second serialization). */
  json?: string;
  /** A form-encoded body (`a=1&b=2`), sent as `application/x-www-form-urlencoded` instead of JSON. */
  form?: string;
  signal?: AbortSignal;
  /** The longest the caller will wait, all waits of this request together; past it, {@link RetryLaterError}. */
  waitBudgetMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The request's path without its query string, for error messages. */
  path: string;
}

const RETRY_DEFAULTS: RetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
  maxTotalWaitMs: 120_000,
};
const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

export const defaultIsRetryable = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status !== 501);

/**
 * A small JSON-over-HTTP client on a pooled undici dispatcher: per-request timeouts, retries
 * with full-jitter backoff that honour `Retry-After` and `x-ratelimit-reset`, and a
 * {@link RateLimitGate} that slows down before the server says 429. Responses of any final
 * status are returned, not thrown: the API client on top decides what a status means.
 *
 * @example
 * const http = new HttpClient({ baseUrl: "https://api.port.io", userAgent: "tide/0.1.0/my-integration" });
 * const res = await http.request({ method: "POST", path: "/v1/blueprints/service/entities/search", body: query });
 */
export class HttpClient {
  readonly baseUrl: string;
  readonly gate: RateLimitGate;
  readonly #options: HttpClientOptions;
  readonly #clock: Clock;
  readonly #retry: RetryOptions;
  readonly #dispatcher: Dispatcher;

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#options = options;
    this.#retry = { ...RETRY_DEFAULTS, ...options.retry };
    this.#dispatcher = options.dispatcher ?? sharedDispatcher();
    this.#clock = options.clock ?? realClock;
    this.gate = new RateLimitGate({ now: this.#clock.now, sleep: this.#clock.sleep });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.#url(req);
    const path = url.pathname;
    const budget = req.waitBudgetMs ?? Number.POSITIVE_INFINITY;
    const isRetryable = this.#options.isRetryable ?? defaultIsRetryable;
    const body = req.form ?? req.json ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      const started = this.#clock.now();
      await this.gate.acquire(path, budget - waited, req.signal);
      waited += this.#clock.now() - started;
      let delay: number;
      let event: RetryEvent;
      try {
        const res = await this.#send(req, url, body);
        this.gate.observe(res.headers);
        const last = attempt + 1 >= this.#retry.maxAttempts;
        if (!isRetryable(res.status, res.headers) || last) return { ...res, path };
        delay = this.#serverDelay(res.status, res.headers) ?? this.#backoff(attempt);
        event = { method: req.method, path, attempt: attempt + 1, delayMs: delay, status: res.status };
        if (waited + delay > budget)
          throw new RetryLaterError(path, new Date(this.#clock.now() + delay), res.status);
        if (waited + delay > this.#retry.maxTotalWaitMs) return { ...res, path };
      } catch (error) {
        if (error instanceof RetryLaterError || req.signal?.aborted || !isTransient(error)) throw error;
        if (attempt + 1 >= this.#retry.maxAttempts)
          throw new NetworkError(req.method, path, attempt + 1, error);
        delay = this.#backoff(attempt);
        const code = (error as { code?: string }).code ?? (error as Error).name;
        event = { method: req.method, path, attempt: attempt + 1, delayMs: delay, error: code };
        if (waited + delay > this.#retry.maxTotalWaitMs) {
          throw new NetworkError(req.method, path, attempt + 1, error);
        }
      }
      this.#options.onRetry?.(event);
      await this.#clock.sleep(delay, req.signal);
      waited += delay;
    }
  }

  async #send(req: HttpRequest, url: URL, body: string | undefined) {
    const timeout = this.#options.timeoutMs ?? 30_000;
    const headers: Record<string, string> = {
      "user-agent": this.#options.userAgent,
      accept: "application/json",
      ...req.headers,
    };
    if (body !== undefined)
      headers["content-type"] =
        req.form === undefined ? "application/json" : "application/x-www-form-urlencoded";
    const res = await undiciRequest(url, {
      method: req.method,
      headers,
      body,
      dispatcher: this.#dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: req.signal,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers as Headers, text };
  }

  /** The wait the server asked for, if it said so. */
  #serverDelay(status: number, headers: Headers): number | undefined {
    const now = this.#clock.now();
    const retryAfter = retryAfterMs(headers, now);
    if (retryAfter !== undefined) return retryAfter;
    const exhausted = status === 429 || rateLimitRemaining(headers) === 0;
    const resetAt = exhausted ? rateLimitResetAt(headers, now) : undefined;
    return resetAt === undefined ? undefined : Math.max(0, resetAt - now);
  }

  #backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.#retry;
    return backoffMs(attempt, baseDelayMs, maxDelayMs, this.#options.random);
  }

  #url(req: HttpRequest): URL {
    const url = /^https?:\/\//.test(req.path) ? new URL(req.path) : new URL(this.baseUrl + req.path);
    if (url.origin !== new URL(this.baseUrl).origin) {
      throw new Error(`refusing to send credentials to ${url.origin}: not ${this.baseUrl}`);
    }
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && RETRYABLE_CODES.has(code);
}
