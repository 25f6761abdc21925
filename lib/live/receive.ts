import type { Logger } from "../pipeline/logger.ts";
import { BadDeliveryError, LiveEventError, PayloadTooLargeError } from "./errors.ts";
import { type LiveEvent, slimPayload } from "./event.ts";
import { type EventRoute, routesOf } from "./routes.ts";
import { verifySignature } from "./signature.ts";

/** GitHub caps webhook payloads at 25 MB and does not send larger ones. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** Where the endpoint hands events to the worker: SQS FIFO in AWS, an in-process queue locally. */
export interface EventQueue {
  /** The largest message it takes, in bytes. */
  readonly maxMessageBytes: number;
  send(event: LiveEvent): Promise<void>;
}

/** An HTTP request as the endpoint sees it, whatever the server (node:http, a Function URL). */
export interface WebhookRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface ReceiveDeps {
  /** `GITHUB_WEBHOOK_SECRET`. */
  secret: string;
  queue: EventQueue;
  log: Logger;
  routes?: (event: string) => readonly EventRoute[];
  now?: () => Date;
}

/**
 * The webhook endpoint's logic: checks the size and the signature, and queues the event for the
 * worker, answering at once (GitHub waits 10 s at most). A missing or wrong signature is
 * answered 401 and nothing is queued; an event no route handles is answered 202 and dropped.
 *
 * @example
 * const { status, body } = await receiveWebhook(deps, { headers, body: rawBody });
 */
export async function receiveWebhook(deps: ReceiveDeps, request: WebhookRequest): Promise<WebhookResponse> {
  const delivery = request.headers["x-github-delivery"];
  try {
    if (request.body.length > MAX_WEBHOOK_BYTES) {
      throw new PayloadTooLargeError(`the body is ${request.body.length} bytes, over GitHub's 25 MB cap`);
    }
    const text = request.body.toString("utf8");
    await verifySignature(deps.secret, text, request.headers["x-hub-signature-256"]);
    const name = request.headers["x-github-event"];
    if (!name) throw new BadDeliveryError("X-GitHub-Event is missing");
    if (!delivery) throw new BadDeliveryError("X-GitHub-Delivery is missing");
    const payload = parseBody(text, request.headers["content-type"]);
    if (name === "ping") return { status: 200, body: { ok: true, delivery, pong: true } };
    const routes = (deps.routes ?? routesOf)(name);
    if (routes.length === 0)
      return { status: 202, body: { ok: true, delivery, ignored: `no kind is updated by ${name}` } };
    const event: LiveEvent = {
      v: 1,
      deliveryId: delivery,
      event: name,
      ...(typeof payload.action === "string" ? { action: payload.action } : {}),
      receivedAt: (deps.now?.() ?? new Date()).toISOString(),
      group: groupOf(name, routes, payload, delivery),
      payload: slimPayload(payload),
    };
    const size = Buffer.byteLength(JSON.stringify(event));
    if (size > deps.queue.maxMessageBytes) {
      throw new PayloadTooLargeError(
        `the ${name} event is ${size} bytes, more than the queue takes (${deps.queue.maxMessageBytes})`,
      );
    }
    await deps.queue.send(event);
    return { status: 202, body: { ok: true, delivery, queued: true } };
  } catch (error) {
    if (!(error instanceof LiveEventError)) throw error;
    deps.log.warn("webhook refused", { delivery, status: error.status, reason: error.message });
    return { status: error.status, body: { ok: false, delivery, error: error.message } };
  }
}

/** GitHub sends JSON, or `payload=<JSON>` when the webhook's content type is form-encoded. */
function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  const json = contentType?.startsWith("application/x-www-form-urlencoded")
    ? (new URLSearchParams(text).get("payload") ?? "")
    : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new BadDeliveryError("the body is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new BadDeliveryError("the body is not a JSON object");
  return value as Record<string, unknown>;
}

/** Events about one object share a group, so they apply in the order they arrived. */
function groupOf(
  name: string,
  routes: readonly EventRoute[],
  payload: Record<string, unknown>,
  delivery: string,
) {
  for (const route of routes) {
    try {
      const subject = route.subjects(payload, "")[0];
      if (subject) return subject.key;
    } catch {
      // A payload a route cannot read: the worker reports it; it needs no group of its own.
    }
  }
  return `${name}:${delivery}`;
}
