import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  HttpClient,
  type HttpClientOptions,
  NetworkError,
  RateLimitGate,
  type RetryEvent,
  RetryLaterError,
  rateLimitResetAt,
  retryAfterMs,
} from "../../lib/http/index.ts";

type Responder = (req: IncomingMessage, res: ServerResponse) => void;

/** A tiny server that answers each request with the next responder (the last one repeats). */
let server: Server;
let baseUrl: string;
let responders: Responder[] = [];
let received = 0;
const dispatcher = new Agent({ connections: 8 });

beforeAll(async () => {
  server = createServer((req, res) => {
    const responder = responders[Math.min(received, responders.length - 1)];
    received += 1;
    req.resume();
    req.on("end", () => responder?.(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dispatcher.close();
});

afterEach(() => {
  responders = [];
  received = 0;
});

const reply =
  (status: number, headers: Record<string, string> = {}, body = "{}"): Responder =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  };
const reset: Responder = (req) => req.socket.destroy();

function client(options: Partial<HttpClientOptions> = {}) {
  const retries: RetryEvent[] = [];
  const http = new HttpClient({
    baseUrl,
    userAgent: "tide-test",
    dispatcher,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    onRetry: (e) => retries.push(e),
    ...options,
  });
  return { http, retries };
}

describe("HttpClient retries", () => {
  it("waits the Retry-After seconds a 429 asks for, then succeeds", async () => {
    responders = [reply(429, { "retry-after": "1" }), reply(200)];
    const { http, retries } = client();
    const res = await http.request({ method: "GET", path: "/x" });
    expect(res.status).toBe(200);
    expect(received).toBe(2);
    expect(retries).toEqual([expect.objectContaining({ status: 429, delayMs: 1000, attempt: 1 })]);
  });

  /** The delay of the first retry, read from the retry event; the request is then aborted instead of waiting. */
  async function firstRetryDelay(first: Responder): Promise<number | undefined> {
    responders = [first, reply(200)];
    received = 0;
    const abort = new AbortController();
    let delay: number | undefined;
    const { http } = client({
      onRetry: (event) => {
        delay = event.delayMs;
        abort.abort();
      },
    });
    await expect(http.request({ method: "GET", path: "/x", signal: abort.signal })).rejects.toThrow();
    return delay;
  }

  it("reads Retry-After as an HTTP date", async () => {
    const until = new Date(Math.ceil(Date.now() / 1000) * 1000 + 30_000);
    const delay = await firstRetryDelay(reply(503, { "retry-after": until.toUTCString() }));
    expect(delay).toBeGreaterThan(29_000);
    expect(delay).toBeLessThanOrEqual(31_000);
  });

  it("honours x-ratelimit-reset as a delay in seconds", async () => {
    const delay = await firstRetryDelay(
      reply(429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30" }),
    );
    expect(delay).toBeGreaterThan(29_900);
    expect(delay).toBeLessThanOrEqual(30_000);
  });

  it("honours x-ratelimit-reset as epoch seconds", async () => {
    const epoch = Math.ceil(Date.now() / 1000) + 30;
    const delay = await firstRetryDelay(reply(429, { "x-ratelimit-reset": String(epoch) }));
    expect(delay).toBeGreaterThan(29_000);
    expect(delay).toBeLessThanOrEqual(31_000);
  });

  it("prefers Retry-After to x-ratelimit-reset, and backs off with jitter when neither is given", async () => {
    expect(await firstRetryDelay(reply(429, { "retry-after": "7", "x-ratelimit-reset": "30" }))).toBe(7_000);
    const backoff = await firstRetryDelay(reply(503));
    expect(backoff).toBeGreaterThanOrEqual(0);
    expect(backoff).toBeLessThan(5);
  });

  it("retries connection resets and 5xx, POSTs included", async () => {
    responders = [reset, reply(502), reply(200, {}, '{"ok":true}')];
    const { http, retries } = client();
    const res = await http.request({ method: "POST", path: "/v1/things", body: { a: 1 } });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"ok":true}');
    expect(received).toBe(3);
    expect(retries.map((r) => r.error ?? r.status)).toEqual([
      expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/),
      502,
    ]);
  });

  it("retries a request that times out", async () => {
    // undici's header timer ticks every ~0.5 s, so the slow answer is well past any tick.
    responders = [(_req, res) => setTimeout(() => reply(200)(_req, res), 3000).unref(), reply(200)];
    const { http, retries } = client({ timeoutMs: 100 });
    expect((await http.request({ method: "GET", path: "/x" })).status).toBe(200);
    expect(retries[0]?.error).toBe("UND_ERR_HEADERS_TIMEOUT");
  });

  it("does not retry a 400, 404, 413 or 422", async () => {
    for (const status of [400, 404, 413, 422]) {
      received = 0;
      responders = [reply(status)];
      const { http, retries } = client();
      expect((await http.request({ method: "POST", path: "/x", body: {} })).status).toBe(status);
      expect(received).toBe(1);
      expect(retries).toEqual([]);
    }
  });

  it("gives up with the last response once the total wait cap would be passed", async () => {
    responders = [reply(503, { "retry-after": "5" })];
    const { http } = client({ retry: { maxTotalWaitMs: 1000 } });
    const res = await http.request({ method: "GET", path: "/x" });
    expect(res.status).toBe(503);
    expect(received).toBe(1);
  });

  it("stops after maxAttempts and returns the last 5xx", async () => {
    responders = [reply(500)];
    const { http, retries } = client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    expect((await http.request({ method: "GET", path: "/x" })).status).toBe(500);
    expect(received).toBe(3);
    expect(retries).toHaveLength(2);
  });

  it("throws NetworkError naming the path, not the query, when every attempt is reset", async () => {
    responders = [reset];
    const { http } = client({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const error = await http
      .request({ method: "GET", path: "/x", query: { token: "s3cret" } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain("GET /x failed after 2 attempt(s)");
    expect(error.message).not.toContain("s3cret");
  });

  it("throws RetryLaterError instead of sleeping past the caller's wait budget", async () => {
    responders = [reply(429, { "retry-after": "120" })];
    const { http } = client();
    const before = Date.now();
    const error = await http.request({ method: "GET", path: "/x", waitBudgetMs: 5_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error.status).toBe(429);
    expect(error.resumeAt.getTime()).toBeGreaterThanOrEqual(before + 119_000);
    expect(received).toBe(1);
  });
});

describe("rate-limit pacing", () => {
  it("holds the next request back when x-ratelimit-remaining runs out", async () => {
    responders = [
      reply(200, { "x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "60" }),
    ];
    const { http } = client();
    expect((await http.request({ method: "GET", path: "/x" })).status).toBe(200);
    // The window is spent for another minute: a caller that cannot wait that long is told when to come back.
    const error = await http.request({ method: "GET", path: "/x", waitBudgetMs: 1_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(received).toBe(1);
  });

  it("spaces requests evenly over the rest of the window once the budget is low", () => {
    let now = 1_000_000;
    const gate = new RateLimitGate({ now: () => now });
    gate.observe({ "x-ratelimit-limit": "100", "x-ratelimit-remaining": "50", "x-ratelimit-reset": "10" });
    expect(gate.reserve()).toBe(0);
    gate.observe({ "x-ratelimit-limit": "100", "x-ratelimit-remaining": "4", "x-ratelimit-reset": "8" });
    const waits = [gate.reserve(), gate.reserve(), gate.reserve()];
    expect(waits[0]).toBe(0);
    expect(waits[1]).toBe(2000);
    expect(waits[2]).toBeGreaterThan(waits[1] ?? 0);
    now += 9_000;
    expect(gate.reserve()).toBe(0);
  });

  it("never schedules a request past the window's reset, nor carries pacing into the next window", () => {
    let now = 1_000_000;
    const gate = new RateLimitGate({ now: () => now });
    gate.observe({ "x-ratelimit-limit": "100", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "60" });
    // Two left for a minute: one now, one half-way; the third waits for the reset, not beyond.
    expect([gate.reserve(), gate.reserve(), gate.reserve()]).toEqual([0, 30_000, 60_000]);
    now += 60_000;
    // The next window, low again: its first request goes at once, not at the old window's slot.
    gate.observe({ "x-ratelimit-limit": "100", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "3600" });
    expect(gate.reserve()).toBe(0);
    expect(gate.reserve()).toBe(1_800_000);
  });

  it("does not pace a healthy budget when the server sends no x-ratelimit-limit", () => {
    const gate = new RateLimitGate({ now: () => 0 });
    gate.observe({ "x-ratelimit-remaining": "1000", "x-ratelimit-reset": "300" });
    gate.observe({ "x-ratelimit-remaining": "990", "x-ratelimit-reset": "300" });
    expect(gate.reserve()).toBe(0);
  });
});

describe("header parsing", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it("reads Retry-After in both forms", () => {
    expect(retryAfterMs({ "retry-after": "3" }, now)).toBe(3000);
    expect(retryAfterMs({ "retry-after": "Wed, 01 Jan 2025 00:00:05 GMT" }, now)).toBe(5000);
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });

  it("reads x-ratelimit-reset as epoch seconds above 10^9, as a delay below", () => {
    expect(rateLimitResetAt({ "x-ratelimit-reset": String(now / 1000 + 30) }, now)).toBe(now + 30_000);
    expect(rateLimitResetAt({ "x-ratelimit-reset": "30" }, now)).toBe(now + 30_000);
  });
});
