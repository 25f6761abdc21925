import { TideError } from "../errors.ts";
/** The base of every live-event error: what went wrong with one webhook delivery, and where. */
export class LiveEventError extends TideError {
  override readonly name: string = "LiveEventError";
  /** The HTTP status the webhook endpoint answers with. */
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** A missing or wrong `X-Hub-Signature-256`: 401, and nothing is queued or written. */
export class SignatureError extends LiveEventError {
  override readonly name = "SignatureError";
  constructor(message: string) {
    super(message, 401);
  }
}

/** A body over GitHub's 25 MB cap, or an event too large for the queue: 413. */
export class PayloadTooLargeError extends LiveEventError {
  override readonly name = "PayloadTooLargeError";
  constructor(message: string) {
    super(message, 413);
  }
}

/** A delivery without the headers or JSON body GitHub always sends: 400. */
export class BadDeliveryError extends LiveEventError {
  override readonly name = "BadDeliveryError";
  constructor(message: string) {
    super(message, 400);
  }
}

/**
 * An event the worker could not apply. `transient` failures (Port or GitHub 5xx, rate limits,
 * network) are retried by the queue; the others (a mapping that fails on the item, Port's 422)
 * go to the dead-letter queue at once with this message as the reason.
 */
export class EventApplyError extends LiveEventError {
  override readonly name = "EventApplyError";
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message, 500);
    this.transient = transient;
  }
}
