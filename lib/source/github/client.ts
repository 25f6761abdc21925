import { RequestError } from "@octokit/request-error";
import type { Dispatcher } from "undici";
import {
  type Headers,
  header,
  NetworkError,
  parseJsonBytes,
  RateLimitGate,
  type RetryEvent,
  type RetryOptions,
} from "../../http/index.ts";
import { SourceHttpError } from "../errors.ts";
import { answerBytes, createOctokit, LimitSeen, type TideOctokit } from "./octokit.ts";
import { type Clock, GitHubPause, realClock } from "./pause.ts";

/** GitHub's `block` object: why a repository cannot be read (451, or 403 for a disabled one). */
export interface GitHubBlock {
  reason?: string;
  created_at?: string;
  html_url?: string;
}

/** An error answer from GitHub, with the `block` it gave for a repository GitHub blocked. */
export class GitHubHttpError extends SourceHttpError {
  readonly block: GitHubBlock | undefined;
  /** GitHub's `message`, e.g. "Dependabot alerts are disabled for this repository." */
  readonly apiMessage: string | undefined;

  constructor(
    options: ConstructorParameters<typeof SourceHttpError>[0] & { block?: GitHubBlock | undefined },
  ) {
    super(options);
    this.block = options.block;
    this.apiMessage = options.apiMessage;
  }
}

/** HTTP tuning a caller may pass to the GitHub client. */
export interface GitHubHttpOptions {
  dispatcher?: Dispatcher;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /**
   * Retries of 5xx and network errors: `maxAttempts` (default 4: Octokit's 3 retries) and
   * `baseDelayMs`, the unit of plugin-retry's `(n+1)²` backoff (default 1000). Other fields are ignored.
   */
  retry?: Partial<RetryOptions>;
  /** Requests to GitHub in flight at once, all kinds together (`GITHUB_MAX_CONCURRENCY`). Default 10. */
  maxConcurrency?: number;
  /** Called before each wait for a rate limit; never given secrets. */
  onRetry?: (event: RetryEvent) => void;
  /** The clock rate-limit waits and App tokens use; tests inject one that moves without sleeping. */
  clock?: Clock;
}

export interface GitHubClientOptions {
  apiUrl: string;
  token?: string | undefined;
  app?:
    | { appId: string; privateKey: string; installationId: string | number; refreshBeforeExpiryMs?: number }
    | undefined;
  userAgent?: string | undefined;
  http?: GitHubHttpOptions | undefined;
  /** Where warnings go (e.g. auth-app's); never given secrets. */
  warn?: ((message: string) => void) | undefined;
}

export interface GitHubRequestOptions {
  signal?: AbortSignal | undefined;
  waitBudgetMs?: number | undefined;
  /** An ETag from an earlier answer: GitHub answers 304 (not counted against the rate limit) if unchanged. */
  ifNoneMatch?: string | undefined;
}

export interface GitHubResponse {
  body: unknown;
  headers: Headers;
  /** The URL that answered, after any redirect (a renamed repository). */
  url: string;
  /** True when GitHub answered 304 to `ifNoneMatch`: `body` is then empty. */
  notModified?: boolean;
}

/**
 * GETs GitHub REST resources through Octokit. On a secondary or primary rate limit it pauses
 * every request of this client (see {@link GitHubPause}) and tries again; a pause longer
 * than the caller's `waitBudgetMs` throws the `RetryLaterError` of `lib/http`, so the fanout
 * checkpoints. Also: a redirect (renamed repository) is followed by fetch; an App token GitHub
 * rejects is replaced once; the rate-limit headers of every answer pace the next requests.
 *
 * @example
 * const client = new GitHubClient({ apiUrl: "https://api.github.com", token: process.env.GITHUB_TOKEN });
 * const { body } = await client.get("/orgs/acme/repos?per_page=100", { waitBudgetMs: 60_000 });
 */
export class GitHubClient {
  readonly apiUrl: string;
  readonly pause: GitHubPause;
  /**
   * Search has its own rate limit (30 requests a minute, `x-ratelimit-resource: search`): its
   * headers pace only search requests, and its spent limit pauses only them.
   */
  readonly searchPause: GitHubPause;
  readonly #octokit: TideOctokit;
  readonly #dropAppToken: (() => void) | undefined;
  readonly #gate: RateLimitGate;
  readonly #searchGate: RateLimitGate;
  readonly #clock: Clock;
  readonly #onRetry: GitHubHttpOptions["onRetry"];

  constructor(options: GitHubClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    const http = options.http ?? {};
    this.#clock = http.clock ?? realClock;
    this.#onRetry = http.onRetry;
    this.pause = new GitHubPause(this.#clock);
    this.#gate = new RateLimitGate({ now: this.#clock.now, sleep: this.#clock.sleep });
    this.searchPause = new GitHubPause(this.#clock);
    this.#searchGate = new RateLimitGate({ now: this.#clock.now, sleep: this.#clock.sleep });
    const maxAttempts = http.retry?.maxAttempts;
    const built = createOctokit({
      apiUrl: this.apiUrl,
      userAgent: options.userAgent ?? "tide/0.1.0 (github source)",
      token: options.token,
      app: options.app,
      clock: this.#clock,
      dispatcher: http.dispatcher,
      timeoutMs: http.timeoutMs,
      maxConcurrency: http.maxConcurrency,
      retries: maxAttempts === undefined ? undefined : Math.max(0, maxAttempts - 1),
      retryBaseMs: http.retry?.baseDelayMs,
      warn: options.warn ?? ((message) => console.warn(`github: ${message}`)),
    });
    this.#octokit = built.octokit;
    this.#dropAppToken = built.dropAppToken;
  }

  /** A path (under the API URL) or a URL on the API, e.g. a Link header's `next`. */
  async get(path: string, options: GitHubRequestOptions = {}): Promise<GitHubResponse> {
    const url = this.#checkedUrl(path);
    const shown = url.pathname;
    const budget = options.waitBudgetMs ?? Number.POSITIVE_INFINITY;
    const search = url.href.startsWith(`${this.apiUrl}/search/`);
    const gate = search ? this.#searchGate : this.#gate;
    let waited = 0;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      waited += await this.pause.wait(shown, budget - waited, options.signal);
      if (search) waited += await this.searchPause.wait(shown, budget - waited, options.signal);
      const before = this.#clock.now();
      await gate.acquire(shown, budget - waited, options.signal);
      waited += this.#clock.now() - before;
      const limit = new LimitSeen();
      const started = this.#clock.now();
      try {
        const res = await this.#octokit.request({
          method: "GET",
          url: url.href,
          headers: {
            accept: "application/vnd.github+json",
            "x-github-api-version": "2022-11-28",
            ...(options.ifNoneMatch ? { "if-none-match": options.ifNoneMatch } : {}),
          },
          // Octokit parses with a BigInt-preserving reviver that allocates a source string for
          // every value: several times JSON.parse's CPU and garbage on every listing page.
          request: { signal: options.signal, limit, parseSuccessResponseBody: false },
        });
        gate.observe(res.headers as Headers);
        this.pause.succeeded(started);
        return {
          body: await bodyOf(res.data, res.headers as Headers, res.url),
          headers: res.headers as Headers,
          url: res.url,
        };
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        const headers = (error.response?.headers ?? {}) as Headers;
        if (error.response) gate.observe(headers);
        // Octokit throws on 304; to a conditional request it is the answer "unchanged".
        if (error.status === 304 && options.ifNoneMatch) {
          this.pause.succeeded(started);
          return { body: undefined, headers, url: url.href, notModified: true };
        }
        if (limit.kind) {
          const delayMs =
            limit.kind === "secondary"
              ? this.pause.secondary(limit.retryAfterSec, error.status, started)
              : (search ? this.searchPause : this.pause).primary(limit.retryAfterSec, error.status);
          this.#onRetry?.({ method: "GET", path: shown, attempt, delayMs, status: error.status });
          continue;
        }
        if (error.status === 401 && this.#dropAppToken && !refreshed && !isTokenRequest(error)) {
          // A revoked installation token: ask for a new one, once.
          this.#dropAppToken();
          refreshed = true;
          continue;
        }
        throw this.#error(error);
      }
    }
  }

  /**
   * A single request outside the listing path (e.g. `tide setup` managing the org webhook):
   * Octokit's retries and auth, no rate-limit pause loop — a setup step is run by a person.
   */
  async send(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<GitHubResponse> {
    const url = this.#checkedUrl(path);
    try {
      const res = await this.#octokit.request({
        method,
        url: url.href,
        headers: { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
        ...(body === undefined ? {} : { data: body }),
      });
      return { body: res.data, headers: res.headers as Headers, url: res.url };
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      throw this.#error(error);
    }
  }

  /** A next-page URL as a cursor: relative to the API URL, so it survives a change of host name. */
  toCursor = (url: string): string =>
    url.startsWith(`${this.apiUrl}/`) ? url.slice(this.apiUrl.length) : url;

  #checkedUrl(path: string): URL {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(this.apiUrl + path);
    if (url.origin !== new URL(this.apiUrl).origin) {
      throw new Error(`refusing to send credentials to ${url.origin}: not ${this.apiUrl}`);
    }
    return url;
  }

  #error(error: RequestError): Error {
    const method = error.request.method;
    const path = new URL(error.request.url, this.apiUrl).pathname;
    if (!error.response) {
      // No answer at all (reset, refused, timeout) after plugin-retry's attempts.
      return new NetworkError(method, path, ~~error.request.request?.retryCount + 1, error.cause ?? error);
    }
    const data = error.response.data as { message?: unknown; block?: unknown } | string | undefined;
    const apiMessage =
      typeof data === "object" && data !== null && typeof data.message === "string"
        ? data.message
        : undefined;
    const token = isTokenRequest(error);
    const block = typeof data === "object" && data !== null && isObject(data.block) ? data.block : undefined;
    return new GitHubHttpError({
      block,
      source: "github",
      method,
      path,
      status: error.status,
      apiMessage,
      requestId: header(error.response.headers as Headers, "x-github-request-id"),
      hint: token
        ? "check GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID"
        : HINTS[error.status],
    });
  }
}

const HINTS: Record<number, string> = {
  401: "check GITHUB_TOKEN, or the GitHub App settings",
  403: "the token or App lacks a permission this kind needs",
  404: "check GITHUB_ORG and that the token or App can see it",
};

function isObject(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTokenRequest(error: RequestError): boolean {
  return /\/app\/installations\/[^/]+\/access_tokens$/.test(error.request.url);
}

/** The answer's body, parsed when GitHub says it is JSON; JSON that does not parse is an error. */
async function bodyOf(stream: unknown, headers: Headers, url: string): Promise<unknown> {
  const path = new URL(url).pathname;
  let bytes: Buffer;
  try {
    bytes = await answerBytes(stream);
  } catch (error) {
    // The connection failed after the headers: no answer, as a reset before them would be.
    throw new NetworkError("GET", path, 1, error);
  }
  const type = header(headers, "content-type") ?? "";
  if (!/json/i.test(type)) return new TextDecoder().decode(bytes);
  try {
    // Not one string of the page: a page of pull requests is 300 KB (see json-bytes.ts).
    return parseJsonBytes(bytes);
  } catch {
    throw new SourceHttpError({
      source: "github",
      method: "GET",
      path,
      status: 200,
      hint: "not JSON",
    });
  }
}
