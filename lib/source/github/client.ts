import {
  defaultIsRetryable,
  type Headers,
  HttpClient,
  type HttpClientOptions,
  type HttpResponse,
  header,
  RetryLaterError,
  rateLimitRemaining,
  rateLimitResetAt,
  retryAfterMs,
} from "../../http/index.ts";
import { SourceHttpError } from "../errors.ts";
import type { GitHubAuth } from "./app-auth.ts";

/** HTTP tuning a caller may pass through to the underlying {@link HttpClient}. */
export type GitHubHttpOptions = Pick<
  HttpClientOptions,
  "dispatcher" | "timeoutMs" | "retry" | "onRetry" | "random"
>;

export interface GitHubClientOptions {
  apiUrl: string;
  auth: GitHubAuth;
  userAgent?: string;
  http?: GitHubHttpOptions;
}

export interface GitHubRequestOptions {
  signal?: AbortSignal | undefined;
  waitBudgetMs?: number | undefined;
}

const REDIRECTS = new Set([301, 302, 307, 308]);
const RATE_LIMITED_AFTER = 60_000;

/**
 * GitHub's primary and secondary rate limits answer 403 as often as 429: retry those when
 * GitHub says to wait (`retry-after`) or the window is spent (`x-ratelimit-remaining: 0`).
 */
export function isGitHubRetryable(status: number, headers: Headers): boolean {
  return defaultIsRetryable(status) || isRateLimited(status, headers);
}

function isRateLimited(status: number, headers: Headers): boolean {
  if (status !== 403 && status !== 429) return false;
  return header(headers, "retry-after") !== undefined || rateLimitRemaining(headers) === 0;
}

/**
 * GETs GitHub REST resources: authorizes each request, follows the redirect GitHub gives for a
 * renamed repository, refreshes an App token once on 401, and turns a rate limit that outlasts
 * the retries into {@link RetryLaterError}.
 */
export class GitHubClient {
  readonly http: HttpClient;
  readonly apiUrl: string;
  readonly #auth: GitHubAuth;

  constructor(options: GitHubClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.#auth = options.auth;
    this.http = new HttpClient({
      ...options.http,
      baseUrl: this.apiUrl,
      userAgent: options.userAgent ?? "tide/0.1.0 (github source)",
      isRetryable: isGitHubRetryable,
    });
  }

  /** A path (under the API URL) or a URL on the API, e.g. a Link header's `next`. */
  async get(path: string, options: GitHubRequestOptions = {}): Promise<{ body: unknown; headers: Headers }> {
    let target = path;
    let refreshed = false;
    for (let redirects = 0; ; ) {
      const authorization = await this.#auth.authorization(this.http, options);
      const res = await this.http.request({
        method: "GET",
        path: target,
        headers: {
          authorization,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
        },
        signal: options.signal,
        waitBudgetMs: options.waitBudgetMs,
      });
      if (res.status >= 200 && res.status < 300) return { body: parseJson(res), headers: res.headers };
      const location = header(res.headers, "location");
      if (REDIRECTS.has(res.status) && location && redirects < 3) {
        target = location;
        redirects += 1;
        continue;
      }
      if (res.status === 401 && !refreshed && this.#auth.rejected(authorization)) {
        refreshed = true;
        continue;
      }
      if (isRateLimited(res.status, res.headers)) {
        throw new RetryLaterError(res.path, resumeAt(res.headers), res.status);
      }
      throw this.#error(res);
    }
  }

  /** A next-page URL as a cursor: relative to the API URL, so it survives a change of host name. */
  toCursor = (url: string): string =>
    url.startsWith(`${this.apiUrl}/`) ? url.slice(this.apiUrl.length) : url;

  #error(res: HttpResponse): SourceHttpError {
    let apiMessage: string | undefined;
    try {
      apiMessage = (JSON.parse(res.text) as { message?: string }).message;
    } catch {
      apiMessage = undefined;
    }
    return new SourceHttpError({
      source: "github",
      method: "GET",
      path: res.path,
      status: res.status,
      apiMessage,
      requestId: header(res.headers, "x-github-request-id"),
      hint: HINTS[res.status],
    });
  }
}

const HINTS: Record<number, string> = {
  401: "check GITHUB_TOKEN, or the GitHub App settings",
  403: "the token or App lacks a permission this kind needs",
  404: "check GITHUB_ORG and that the token or App can see it",
};

function resumeAt(headers: Headers): Date {
  const retryAfter = retryAfterMs(headers);
  if (retryAfter !== undefined) return new Date(Date.now() + retryAfter);
  return new Date(rateLimitResetAt(headers) ?? Date.now() + RATE_LIMITED_AFTER);
}

function parseJson(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text);
  } catch {
    throw new SourceHttpError({
      source: "github",
      method: "GET",
      path: res.path,
      status: res.status,
      hint: "not JSON",
    });
  }
}
