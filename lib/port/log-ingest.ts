import type { Dispatcher } from "undici";
import { HttpClient, header } from "../http/index.ts";
import { PortValidationError } from "./errors.ts";
import type { IntegrationLogLine } from "./integration.ts";
import { toApiError } from "./transport.ts";

export interface LogIngestOptions {
  userAgent: string;
  dispatcher?: Dispatcher;
  timeoutMs: number;
  /** The client's access token (Ocean sends it to the ingest URL too). */
  token(): Promise<string>;
  redact(text: string): string;
  onRequest(): void;
}

/**
 * Posts log lines to an integration's `logAttributes.ingestUrl`, which Port may serve from
 * another host than the API (the API client refuses other origins): one small HTTP client per
 * origin, few retries and a short timeout, since logs must never hold a run up.
 */
export class LogIngest {
  readonly #options: LogIngestOptions;
  readonly #clients = new Map<string, HttpClient>();

  constructor(options: LogIngestOptions) {
    this.#options = options;
  }

  async post(ingestUrl: string, logs: IntegrationLogLine[]): Promise<void> {
    if (!/^https?:\/\//.test(ingestUrl) || !URL.canParse(ingestUrl)) {
      throw new PortValidationError("logAttributes.ingestUrl", `not an http(s) URL: ${ingestUrl}`);
    }
    const url = new URL(ingestUrl);
    let http = this.#clients.get(url.origin);
    if (!http) {
      http = new HttpClient({
        baseUrl: url.origin,
        userAgent: this.#options.userAgent,
        dispatcher: this.#options.dispatcher,
        timeoutMs: Math.min(this.#options.timeoutMs, 10_000),
        retry: { maxAttempts: 2, maxTotalWaitMs: 2_000 },
      });
      this.#clients.set(url.origin, http);
    }
    const token = await this.#options.token();
    this.#options.onRequest();
    const res = await http.request({
      method: "POST",
      path: url.pathname + url.search,
      body: { logs },
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status >= 300) {
      const traceId = header(res.headers, "x-trace-id");
      const reply = { status: res.status, body: undefined, traceId, method: "POST", path: res.path };
      throw toApiError(reply, this.#options.redact);
    }
  }
}
