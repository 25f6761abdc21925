import type { HttpClient } from "../http/index.ts";
import { header } from "../http/index.ts";
import { PortApiError } from "./errors.ts";

interface CachedToken {
  value: string;
  /** When to fetch a new one: a little before Port says it expires. */
  refreshAt: number;
}

export interface TokenSourceOptions {
  clientId: string;
  clientSecret: string;
  now?: () => number;
  /** Called for every token request, for the client's counters. */
  onRequest?: () => void;
}

const AUTH_PATH = "/v1/auth/access_token";

/**
 * Port access tokens: fetched with the client id/secret, cached, refreshed a little before
 * `expiresIn` runs out, and dropped on a 401 so the next caller fetches a new one. Concurrent
 * callers share one in-flight token request.
 */
export class TokenSource {
  readonly #http: HttpClient;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #now: () => number;
  readonly #onRequest: (() => void) | undefined;
  #cached: CachedToken | undefined;
  #pending: Promise<CachedToken> | undefined;

  constructor(http: HttpClient, options: TokenSourceOptions) {
    this.#http = http;
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#now = options.now ?? Date.now;
    this.#onRequest = options.onRequest;
  }

  /** A valid access token, from the cache when it is still fresh. */
  async token(signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const cached = this.#cached;
    if (cached && this.#now() < cached.refreshAt) return cached.value;
    // Not tied to one caller's signal: other callers may be waiting on the same request.
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return (await this.#pending).value;
  }

  /** Forgets `token` after Port refused it, unless a newer one has replaced it already. */
  invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  /** Replaces secrets and the live token in text that came back from Port. */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.#clientSecret, this.#cached?.value]) {
      if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
    }
    return out;
  }

  async #fetch(): Promise<CachedToken> {
    const started = this.#now();
    this.#onRequest?.();
    const res = await this.#http.request({
      method: "POST",
      path: AUTH_PATH,
      body: { clientId: this.#clientId, clientSecret: this.#clientSecret },
    });
    const traceId = header(res.headers, "x-trace-id");
    let body: { accessToken?: unknown; expiresIn?: unknown; error?: unknown; message?: unknown } = {};
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      // Reported below with the status.
    }
    if (res.status !== 200 || typeof body.accessToken !== "string" || typeof body.expiresIn !== "number") {
      const code =
        typeof body.error === "string" ? body.error : res.status === 200 ? "invalid_response" : "auth_failed";
      const message = typeof body.message === "string" ? body.message : "Port did not return an access token";
      throw new PortApiError({
        status: res.status,
        code,
        message: this.redact(`${message} (client id ${this.#clientId})`),
        traceId,
        method: "POST",
        path: AUTH_PATH,
      });
    }
    const lifetimeMs = body.expiresIn * 1000;
    // Refresh ahead of expiry: 10% of the lifetime, at most 5 minutes (a 3-hour token: 5 minutes early).
    const margin = Math.min(5 * 60_000, lifetimeMs * 0.1);
    this.#cached = { value: body.accessToken, refreshAt: started + lifetimeMs - margin };
    return this.#cached;
  }
}
