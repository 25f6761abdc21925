import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChangelogReply, ChangelogRequest } from "../integration/changelog.ts";
import type { Logger } from "../pipeline/logger.ts";
import { MAX_WEBHOOK_BYTES, type ReceiveDeps, receiveWebhook } from "./receive.ts";

export interface LiveServerOptions extends ReceiveDeps {
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the server is for this machine (a tunnel exposes it to GitHub). */
  host?: string;
  /** `/resync[/<secret>]` (Port's changelog webhook): see `receiveChangelog`. */
  changelog?: (request: ChangelogRequest) => Promise<ChangelogReply>;
  /** What `GET /health` reports beside `ok`. */
  health?: () => Record<string, unknown>;
  log: Logger;
}

export interface LiveServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The local live-events server: `POST /webhooks/github` (verified, queued, answered at once),
 * `POST /resync` (Port's changelog webhook) and `GET /health`.
 *
 * @example
 * const server = await startLiveServer({ secret, queue, log, port: 8000 });
 * console.error(`listening on ${server.url}`);
 */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const server: Server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      options.log.error("live server: request failed", { url: req.url, error: (error as Error).message });
      reply(res, 500, { ok: false, error: "internal error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8000, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(options: LiveServerOptions, req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (req.method === "GET" && path === "/health") {
    return reply(res, 200, { ok: true, ...options.health?.() });
  }
  if (req.method === "POST" && path === "/webhooks/github") {
    const body = await readBody(req, MAX_WEBHOOK_BYTES);
    if (!body) {
      req.resume();
      return reply(res, 413, { ok: false, error: "the body is over GitHub's 25 MB cap" }, true);
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value[0] : value;
    const answer = await receiveWebhook(options, { headers, body });
    return reply(res, answer.status, answer.body);
  }
  if (path === "/resync" || path.startsWith("/resync/")) {
    if (!options.changelog) {
      req.resume();
      return reply(res, 404, { ok: false, error: "resync is not enabled on this server" });
    }
    // Port's changelog body is a small JSON document; 1 MiB is Port's own request cap.
    const body = await readBody(req, 1024 * 1024);
    if (!body) {
      req.resume();
      return reply(res, 413, { ok: false, error: "the body is over 1 MiB" }, true);
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value[0] : value;
    const answer = await options.changelog({
      method: req.method ?? "GET",
      path,
      headers,
      body: body.toString("utf8"),
    });
    return reply(res, answer.status, answer.body);
  }
  req.resume();
  return reply(res, 404, { ok: false, error: `no route ${req.method} ${path}` });
}

/** The body, or undefined once it grows past `limit` (the rest is not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>, close = false) {
  res.writeHead(status, { "content-type": "application/json", ...(close ? { connection: "close" } : {}) });
  res.end(JSON.stringify(body));
}
