import { TideError } from "../errors.ts";

/** One page's worth (or a chunk of a page) of raw items: the unit the run table counts once. */
export interface MessagePart {
  /** Unique within the run and deterministic for a page, so a re-sent page is counted once. */
  batch: string;
  /** The partition the items were listed under (absent: none, or a name too long to carry). */
  partition?: string;
  items: unknown[];
}

/**
 * One SQS message of raw items, as the fanout sends it and the ingest reads it: the parts of
 * many small pages of one resource travel together, so a delivery makes full Port requests.
 * It carries everything needed to ingest it again later (a DLQ redrive after a fix): the run,
 * the resource of the config snapshot, and the raw items themselves.
 */
export interface IngestMessage {
  /** Format version; bump on any incompatible change. */
  v: 2;
  runId: string;
  /** Index of the resource in the run's config snapshot. */
  resource: number;
  kind: string;
  parts: MessagePart[];
}

/** The format before parts: one page a message. Still read, so an old DLQ can be redriven. */
export interface IngestMessageV1 extends MessagePart {
  v: 1;
  runId: string;
  resource: number;
  kind: string;
}

/** A part with its message's run, resource and kind: what the ingest maps and settles. */
export interface IngestBatch extends MessagePart {
  runId: string;
  resource: number;
  kind: string;
}

export const MESSAGE_VERSION = 2;

/** Bytes the envelope of a one-part message takes around its items, with room for long batch ids. */
export const ENVELOPE_BYTES = 512;

export class MessageFormatError extends TideError {
  override readonly name = "MessageFormatError";
}

/** The batches a message holds, each with its message's run, resource and kind. */
export function batchesOf(message: IngestMessage): IngestBatch[] {
  const { runId, resource, kind } = message;
  return message.parts.map((part) => ({ runId, resource, kind, ...part }));
}

/**
 * Reads and checks a message body (a v1 message becomes a v2 message of one part); names
 * what is wrong so a poison message is diagnosable.
 */
export function parseMessage(body: string): IngestMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new MessageFormatError(`message body is not JSON: ${(error as Error).message}`);
  }
  const m = value as
    | (Partial<Omit<IngestMessage, "v"> & Omit<IngestMessageV1, "v">> & { v?: unknown })
    | null;
  if (m === null || typeof m !== "object") throw new MessageFormatError("message body is not an object");
  if (m.v !== 1 && m.v !== MESSAGE_VERSION)
    throw new MessageFormatError(`message version ${String(m.v)} is not 1 or ${MESSAGE_VERSION}`);
  if (typeof m.runId !== "string" || m.runId === "") throw new MessageFormatError("message has no runId");
  const parts: unknown[] = m.v === 1 ? [{ batch: m.batch, partition: m.partition, items: m.items }] : [];
  if (m.v === MESSAGE_VERSION) {
    if (!Array.isArray(m.parts) || m.parts.length === 0) throw new MessageFormatError("message has no parts");
    parts.push(...m.parts);
  }
  const name = typeof m.batch === "string" ? m.batch : (m.parts?.[0] as Partial<MessagePart>)?.batch;
  if (!Number.isInteger(m.resource) || (m.resource as number) < 0) {
    throw new MessageFormatError(`message ${String(name)}: resource must be a non-negative integer`);
  }
  for (const part of parts as Array<Partial<MessagePart> | null>) {
    if (part === null || typeof part !== "object")
      throw new MessageFormatError("message part is not an object");
    if (typeof part.batch !== "string" || part.batch === "")
      throw new MessageFormatError("message has no batch");
    if (!Array.isArray(part.items))
      throw new MessageFormatError(`message ${part.batch}: items must be an array`);
  }
  return {
    v: MESSAGE_VERSION,
    runId: m.runId,
    resource: m.resource as number,
    kind: typeof m.kind === "string" ? m.kind : `#${m.resource}`,
    parts: (parts as MessagePart[]).map(({ batch, partition, items }) =>
      typeof partition === "string" ? { batch, partition, items } : { batch, items },
    ),
  };
}
