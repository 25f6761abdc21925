import { TideError } from "../errors.ts";
/**
 * One SQS message of raw items, as the fanout sends it and the ingest reads it. It carries
 * everything needed to ingest it again later (a DLQ redrive after a fix): the run, the
 * resource of the config snapshot, and the raw items themselves.
 */
export interface IngestMessage {
  /** Format version; bump on any incompatible change. */
  v: 1;
  runId: string;
  /** Index of the resource in the run's config snapshot. */
  resource: number;
  kind: string;
  /** Unique within the run and deterministic for a page, so a re-sent page is counted once. */
  batch: string;
  /** The partition the items were listed under (absent: none, or a name too long to carry). */
  partition?: string;
  items: unknown[];
}

export const MESSAGE_VERSION = 1;

/** Bytes the envelope of a message takes around its items, with room for long batch ids. */
export const ENVELOPE_BYTES = 512;

export class MessageFormatError extends TideError {
  override readonly name = "MessageFormatError";
}

/** Reads and checks a message body; names what is wrong so a poison message is diagnosable. */
export function parseMessage(body: string): IngestMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new MessageFormatError(`message body is not JSON: ${(error as Error).message}`);
  }
  const m = value as Partial<IngestMessage> | null;
  if (m === null || typeof m !== "object") throw new MessageFormatError("message body is not an object");
  if (m.v !== MESSAGE_VERSION)
    throw new MessageFormatError(`message version ${String(m.v)} is not ${MESSAGE_VERSION}`);
  if (typeof m.runId !== "string" || m.runId === "") throw new MessageFormatError("message has no runId");
  if (typeof m.batch !== "string" || m.batch === "") throw new MessageFormatError("message has no batch");
  if (!Number.isInteger(m.resource) || (m.resource as number) < 0) {
    throw new MessageFormatError(`message ${m.batch}: resource must be a non-negative integer`);
  }
  if (!Array.isArray(m.items)) throw new MessageFormatError(`message ${m.batch}: items must be an array`);
  return m as IngestMessage;
}
