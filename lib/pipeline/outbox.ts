import { type IngestMessage, MESSAGE_VERSION, type MessagePart } from "./message.ts";

export interface OutboxOptions {
  runId: string;
  resource: number;
  kind: string;
  /** The largest message body, in bytes. */
  maxBytes: number;
  /** How long the first part waits for others before its message goes anyway. */
  lingerMs: number;
  /**
   * Full messages sent together (one queue call, so one delivery when the ingest is idle):
   * SQS's 10 a `SendMessageBatch`. Default 10.
   */
  maxMessages?: number;
  /** Sends messages (registering their parts first); rejects if it could not. */
  send: (messages: IngestMessage[]) => Promise<void>;
}

interface Pending {
  parts: MessagePart[];
  bytes: number;
  settle: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Packs the parts of one resource's pages, across its partitions, into messages of up to
 * `maxBytes`: messages go when `maxMessages` are full, when the first part has waited
 * `lingerMs`, or on {@link flush} (enumeration end, stop, hand-off). Parts keep the
 * order they were added in. Each `add` resolves once the message holding the part was sent,
 * so a page's checkpoint never runs ahead of its items.
 */
export class Outbox {
  readonly #options: OutboxOptions;
  /** The message's envelope with no parts: `{"v":2,…,"parts":[]}`. */
  readonly #baseBytes: number;
  #pending: Pending | undefined;
  /** Full messages waiting for the linger, or for `maxMessages` of them. */
  #full: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  /** Messages sent so far. */
  sent = 0;

  constructor(options: OutboxOptions) {
    this.#options = options;
    this.#baseBytes = Buffer.byteLength(JSON.stringify(this.#message([])));
  }

  /**
   * Adds a part; resolves once its message was sent. `itemsBytes` is what its items take as a
   * JSON array (computed when absent). A part never waits for room: a message that cannot
   * take it goes first. A part larger than `maxBytes` on its own still goes, alone.
   */
  add(part: MessagePart, itemsBytes?: number): Promise<void> {
    const items = itemsBytes ?? Buffer.byteLength(JSON.stringify(part.items));
    // The part's own envelope, plus the comma before it.
    const bytes = Buffer.byteLength(JSON.stringify({ ...part, items: [] })) - 2 + items + 1;
    if (this.#pending && this.#pending.bytes + bytes > this.#options.maxBytes) this.#close();
    const pending = this.#pending ?? this.#open();
    pending.parts.push(part);
    pending.bytes += bytes;
    const sent = new Promise<void>((resolve, reject) => pending.settle.push({ resolve, reject }));
    if (pending.bytes >= this.#options.maxBytes) this.#close();
    if (this.#options.lingerMs <= 0) this.#send();
    return sent;
  }

  /** Sends what waits now, without waiting for the linger (no more parts are coming soon). */
  release(): void {
    this.#send();
  }

  /** Sends what waits now and resolves once every message of this outbox has been sent (or failed). */
  async flush(): Promise<void> {
    this.#send();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #open(): Pending {
    this.#pending = { parts: [], bytes: this.#baseBytes, settle: [] };
    this.#timer ??= setTimeout(() => this.#send(), this.#options.lingerMs);
    return this.#pending;
  }

  /** The message being filled is full: it waits with the others, or they all go. */
  #close(): void {
    if (!this.#pending) return;
    this.#full.push(this.#pending);
    this.#pending = undefined;
    if (this.#full.length >= (this.#options.maxMessages ?? 10)) this.#send();
  }

  #send(): void {
    this.#close();
    const messages = this.#full;
    if (messages.length === 0) return;
    clearTimeout(this.#timer);
    this.#full = [];
    this.#timer = undefined;
    this.sent += messages.length;
    const settle = messages.flatMap((m) => m.settle);
    const sending = this.#options.send(messages.map((m) => this.#message(m.parts))).then(
      () => {
        for (const s of settle) s.resolve();
      },
      (error: unknown) => {
        for (const s of settle) s.reject(error);
      },
    );
    this.#inFlight.add(sending);
    void sending.finally(() => this.#inFlight.delete(sending));
  }

  #message(parts: MessagePart[]): IngestMessage {
    const { runId, resource, kind } = this.#options;
    return { v: MESSAGE_VERSION, runId, resource, kind, parts };
  }
}
