import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { sharedNow } from "../skip-clock.ts";
import type { FakeAuth, FakeCredentials } from "./auth.ts";
import {
  type Fault,
  type FaultSettings,
  type InjectedReply,
  NO_FAULTS,
  RateWindow,
  type RateWindowOptions,
  rollFault,
  seededRandom,
} from "./faults.ts";
import { findOperation, requestError, responseError } from "./openapi.ts";
import { invalid } from "./reply.ts";
import {
  type FakeIntegration,
  type IntegrationExtras,
  matchRoute,
  type Reply,
  type ResyncStateRecord,
} from "./routes.ts";
import type { CatalogStore } from "./store.ts";

export interface PortFakeOptions {
  /** Accepted client credentials; the first is `fake.credentials`. */
  clients?: FakeCredentials[];
  /** Access token lifetime (Port: 3 hours). */
  tokenLifetimeSec?: number;
  /** Request body limit (Port: 1 MiB); lower it to provoke 413s. */
  maxBodyBytes?: number;
  /** Entities per bulk upsert (the contract: 20). */
  maxBulkUpsert?: number;
  /** Blueprints to create at start, as `POST /v1/blueprints` bodies. */
  blueprints?: Array<Record<string, unknown>>;
  integrations?: FakeIntegration[];
  faults?: Partial<FaultSettings>;
  /** Seed of the fault dice. */
  seed?: number;
  /** Port's organization-wide window (default 35,000 requests per 300 s, reset as a delay). */
  rateLimit?: Partial<RateWindowOptions>;
  /** The org's rate-limit window runs on a `SkipClock`, given its shared offset (works in a worker). */
  clock?: SharedArrayBuffer;
  /**
   * Check every reply the emulator builds against Port's OpenAPI document; violations are
   * collected in `state.responseViolations` (the emulator's own tests assert there are none).
   */
  checkResponses?: boolean;
}

/** One request as the emulator saw it. */
export interface RequestRecord {
  method: string;
  path: string;
  route: string;
  userAgent: string;
  status: number | "reset";
  fault: Fault["kind"] | "injected";
  bodyBytes: number;
}

export interface PortFakeState {
  store: CatalogStore;
  auth: FakeAuth;
  integrations: Map<string, FakeIntegration>;
  resyncHistory: Map<string, ResyncStateRecord[]>;
  /** Kind examples and log lines each integration received. */
  extras: IntegrationExtras;
  log: RequestRecord[];
  /** `blueprint\u0000identifier` of entities a bulk delete leaves in place and does not list. */
  bulkDeleteHeld: Set<string>;
  /** Replies that broke Port's document (only with `checkResponses`). */
  responseViolations: string[];
}

export const DEFAULT_CREDENTIALS: FakeCredentials = {
  clientId: "fake-client-id",
  clientSecret: "fake-client-secret",
};

export interface PortServer {
  url: string;
  state: PortFakeState;
  faults: FaultSettings;
  inject(reply: InjectedReply): void;
  close(): Promise<void>;
}

/** The HTTP layer: body limit, latency and faults, rate-limit headers, auth, then the route. */
export async function startServer(options: PortFakeOptions, state: PortFakeState): Promise<PortServer> {
  const faults: FaultSettings = { ...NO_FAULTS, ...options.faults };
  const random = seededRandom(options.seed ?? 1);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const orgWindow = new RateWindow({
    limit: 35_000,
    periodSec: 300,
    resetForm: "delay",
    ...options.rateLimit,
  });
  const now = options.clock ? sharedNow(options.clock) : Date.now;
  let rpsWindow: RateWindow | undefined;
  const injected: InjectedReply[] = [];
  const takeInjected = (route: string): InjectedReply | undefined => {
    const index = injected.findIndex((r) => r.route === undefined || r.route === route);
    const reply = injected[index];
    if (!reply) return undefined;
    reply.times = (reply.times ?? 1) - 1;
    if (reply.times <= 0) injected.splice(index, 1);
    return reply;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let bodyBytes = 0;
    for await (const chunk of req) {
      bodyBytes += (chunk as Buffer).length;
      if (bodyBytes <= maxBodyBytes) chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? "/", "http://fake.port");
    const method = req.method ?? "GET";
    const match = matchRoute(method, url.pathname);
    const contract = match ? findOperation(method, url.pathname) : undefined;
    const routeName = match?.route.name ?? "unknown";
    const userAgent = req.headers["user-agent"] ?? "";
    const record: RequestRecord = {
      method,
      path: url.pathname,
      route: routeName,
      userAgent,
      status: 0,
      fault: "none",
      bodyBytes,
    };
    state.log.push(record);
    const headers: Record<string, string> = { "x-trace-id": randomUUID().replaceAll("-", "") };
    const send = (reply: Reply) => {
      record.status = reply.status;
      if (res.destroyed || res.writableEnded) return;
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, { ...headers, "content-type": "application/json; charset=utf-8" });
      res.end(text);
    };
    const reset = () => {
      record.status = "reset";
      req.socket.destroy();
    };
    const sendInjected = (reply: InjectedReply) => {
      record.status = reply.status;
      record.fault = "injected";
      if (res.destroyed || res.writableEnded) return;
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      const html = typeof reply.body === "string" && reply.body.trimStart().startsWith("<");
      const contentType = reply.contentType ?? (html ? "text/html" : "application/json; charset=utf-8");
      res.writeHead(reply.status, { ...headers, "content-type": contentType, ...reply.headers });
      res.end(text);
    };

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.requestsPerSecond > 0) {
      if (rpsWindow?.options.limit !== faults.requestsPerSecond) {
        rpsWindow = new RateWindow({ limit: faults.requestsPerSecond, periodSec: 1, resetForm: "delay" });
      }
    } else rpsWindow = undefined;
    const window = (rpsWindow ?? orgWindow).take(now());
    Object.assign(headers, window.headers);
    if (window.limited) {
      record.fault = "rate-limited";
      headers["retry-after"] = String(window.retryAfterSec);
      return send({
        status: 429,
        body: { ok: false, error: "rate_limit_exceeded", message: "Too many requests" },
      });
    }
    const special = takeInjected(routeName);
    if (special) {
      if (special.afterWrite) route();
      if (special.delayMs) await sleep(special.delayMs);
      return sendInjected(special);
    }
    const fault = rollFault(faults, routeName, random);
    record.fault = fault.kind;
    if (fault.kind === "rate-limited") {
      headers["retry-after"] = String(fault.retryAfterSec);
      return send({
        status: 429,
        body: { ok: false, error: "rate_limit_exceeded", message: "Too many requests" },
      });
    }
    if (fault.kind === "error" && !fault.afterWrite) return send(serverError(fault.status));
    if (fault.kind === "reset" && !fault.afterWrite) return reset();
    if (fault.kind === "slow") await sleep(fault.ms);

    const reply = route();
    if (fault.kind === "error") return send(serverError(fault.status));
    if (fault.kind === "reset") return reset();
    return send(reply);

    function route(): Reply {
      const reply = handleRoute();
      if (options.checkResponses && contract) {
        const violation = responseError(contract.operation, reply.status, reply.body);
        if (violation) state.responseViolations.push(violation);
      }
      return reply;
    }

    function handleRoute(): Reply {
      if (bodyBytes > maxBodyBytes) {
        return {
          status: 413,
          body: {
            ok: false,
            error: "payload_too_large",
            message: `Request body is too large (limit is ${maxBodyBytes} bytes)`,
          },
        };
      }
      let body: unknown;
      if (bodyBytes > 0) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return {
            status: 400,
            body: { ok: false, error: "invalid_json", message: "Body is not valid JSON" },
          };
        }
      }
      if (!match) {
        return {
          status: 404,
          body: { ok: false, error: "not_found", message: `Route ${method}:${url.pathname} not found` },
        };
      }
      const who = match.route.public
        ? { ok: true as const, clientId: "" }
        : state.auth.verify(req.headers.authorization);
      if (!who.ok) return { status: 401, body: { ok: false, error: who.error, message: who.message } };
      // Port's schema check: path, query string and body against its OpenAPI document.
      if (contract) {
        const error = requestError(contract.operation, contract.params, url.searchParams, body);
        if (error) return invalid(error);
      }
      return match.route.handle({
        params: match.params,
        query: url.searchParams,
        body,
        userAgent,
        actor: who.clientId,
        now: new Date().toISOString(),
        store: state.store,
        auth: state.auth,
        integrations: state.integrations,
        resyncHistory: state.resyncHistory,
        extras: state.extras,
        origin: `http://${req.headers.host ?? "127.0.0.1"}`,
        bulkDeleteHeld: state.bulkDeleteHeld,
        maxBulkUpsert: options.maxBulkUpsert ?? 20,
      });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(500, {
        "content-type": "application/json",
        "x-trace-id": randomUUID().replaceAll("-", ""),
      });
      res.end(JSON.stringify({ ok: false, error: "internal_error", message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    faults,
    inject: (reply) => injected.push({ ...reply }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serverError(status: number): Reply {
  return { status, body: { ok: false, error: "internal_error", message: `Injected ${status}` } };
}
