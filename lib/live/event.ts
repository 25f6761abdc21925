/** What the webhook endpoint queues for the worker: one GitHub delivery, its payload slimmed. */
export interface LiveEvent {
  /** Message format version, so a DLQ redrive after an upgrade is read correctly. */
  v: 1;
  /** `X-GitHub-Delivery`: the event is applied once per delivery. */
  deliveryId: string;
  /** `X-GitHub-Event`, e.g. `pull_request`. */
  event: string;
  action?: string;
  /** When the endpoint received it (ISO 8601). */
  receivedAt: string;
  /** The entity the event is about (e.g. `pull_request:1234`): events of one group apply in order. */
  group: string;
  payload: Record<string, unknown>;
}

/** Payload keys no route reads: left out of the queued message to keep it small. */
const DROPPED_KEYS = ["sender", "installation", "enterprise"];

/** The payload without what the worker never reads. */
export function slimPayload(payload: Record<string, unknown>): Record<string, unknown> {
  const slim = { ...payload };
  for (const key of DROPPED_KEYS) delete slim[key];
  return slim;
}

/**
 * Reads a queued event back; throws naming what is wrong (a message written by another
 * version, or edited by hand).
 */
export function parseLiveEvent(body: string): LiveEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new TypeError(`live event: not JSON (${body.slice(0, 60)})`);
  }
  const event = value as Partial<LiveEvent> | null;
  if (event === null || typeof event !== "object") throw new TypeError("live event: not an object");
  if (event.v !== 1) throw new TypeError(`live event: unknown version ${JSON.stringify(event.v)}`);
  for (const field of ["deliveryId", "event", "receivedAt", "group"] as const) {
    if (typeof event[field] !== "string" || event[field] === "")
      throw new TypeError(`live event: ${field} must be a non-empty string`);
  }
  if (event.payload === null || typeof event.payload !== "object" || Array.isArray(event.payload))
    throw new TypeError(`live event ${event.deliveryId}: payload must be an object`);
  return event as LiveEvent;
}
