import { timingSafeEqual } from "node:crypto";
import type { Logger } from "../pipeline/logger.ts";
import { portSignatureProblem } from "./signature.ts";

/** The answer of whatever starts a resync: started (with its run id) or refused, and why. */
export interface ResyncStart {
  started: boolean;
  runId?: string;
  reason?: string;
}

export interface ChangelogEndpoint {
  /**
   * The unguessable secret that ends the path (`/resync/<secret>`): in AWS the one
   * `resyncPathSecret` derives from Port's client secret; locally `TIDE_RESYNC_PATH_SECRET`.
   * Without it the path is `/resync` (Ocean's, for `tide serve --local`).
   */
  pathSecret?: string;
  /** Port's client secret: checks `x-port-signature` when Port sends one. */
  signingSecret?: string;
  /** Starts a resync through the run lock; refuses while one runs. */
  start(): Promise<ResyncStart>;
  log: Logger;
  now?: () => number;
}

export interface ChangelogRequest {
  method: string;
  /** The path, without query string. */
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface ChangelogReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Port's changelog webhook (its Resync button, a mapping edit): `POST /resync[/<secret>]`
 * starts a resync through the run lock, so a burst of requests runs one resync (202 for the
 * one that started, 409 while it runs). A wrong path answers 404 as if nothing were there; a
 * signature that does not match answers 401. The same logic serves `tide serve --local` and
 * the stack's Function URL.
 *
 * @example
 * const reply = await receiveChangelog({ pathSecret, signingSecret, start, log }, { method, path, headers, body });
 */
export async function receiveChangelog(
  endpoint: ChangelogEndpoint,
  request: ChangelogRequest,
): Promise<ChangelogReply> {
  if (!pathMatches(request.path, endpoint.pathSecret)) {
    return { status: 404, body: { ok: false, error: "not found" } };
  }
  if (request.method !== "POST") return { status: 405, body: { ok: false, error: "use POST" } };
  const signature = request.headers["x-port-signature"];
  if (signature !== undefined || request.headers["x-port-timestamp"] !== undefined) {
    if (!endpoint.signingSecret) {
      return {
        status: 401,
        body: { ok: false, error: "signed request, but no PORT_CLIENT_SECRET to check it" },
      };
    }
    const problem = portSignatureProblem(
      endpoint.signingSecret,
      request.body,
      request.headers["x-port-timestamp"],
      signature,
      (endpoint.now ?? Date.now)(),
    );
    if (problem) {
      endpoint.log.warn("changelog webhook refused", { reason: problem });
      return { status: 401, body: { ok: false, error: problem } };
    }
  }
  const result = await endpoint.start();
  if (result.started) endpoint.log.info("resync requested by Port", { runId: result.runId });
  return { status: result.started ? 202 : 409, body: { ok: result.started, ...result } };
}

/** Compared in constant time: how long a wrong guess took tells nothing about the path. */
function pathMatches(path: string, secret: string | undefined): boolean {
  const trimmed = path.replace(/\/+$/, "");
  if (!secret) return trimmed === "/resync";
  const prefix = "/resync/";
  if (!trimmed.startsWith(prefix)) return false;
  const given = Buffer.from(trimmed.slice(prefix.length));
  const wanted = Buffer.from(secret);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
