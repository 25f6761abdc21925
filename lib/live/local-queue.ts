import type { ReceivedMessage } from "../pipeline/ingest.ts";
import type { LiveEvent } from "./event.ts";
import type { EventQueue } from "./receive.ts";
import type { DeadLetters } from "./worker.ts";

export interface LocalEventQueueOptions {
  /** Groups (entities) applied at once. Default 4. */
  concurrency?: number;
  /** Messages of one group handed to one call. Default 10. */
  batchSize?: number;
  /** Deliveries before a message whose consumer keeps throwing is dead-lettered. Default 5. */
  maxReceiveCount?: number;
  /** How long a message to retry waits, like SQS's visibility timeout. Default 1 s. */
  retryDelayMs?: number;
}

type Consumer = (messages: ReceivedMessage[]) => Promise<{ retry: string[] }>;

interface Stored extends ReceivedMessage {
  group: string;
}

/** Dead letters kept in memory, with their reasons: what `tide serve --local` prints and tests read. */
export class LocalDeadLetters implements DeadLetters {
  readonly letters: Array<{ body: string; reason: string }> = [];
  onLetter?: (reason: string) => void;

  async send(body: string, reason: string): Promise<void> {
    this.letters.push({ body, reason });
    this.onLetter?.(reason);
  }
}

/**
 * The in-process stand-in for the SQS FIFO queue: messages of one group are delivered in order,
 * one call at a time, the next only once the previous settled; up to `concurrency` groups at
 * once. Messages the consumer asks to retry (or all, if it throws) come back after a delay,
 * still ahead of their group's later messages.
 */
export class LocalEventQueue implements EventQueue {
  readonly maxMessageBytes = 1024 * 1024;
  readonly deadLetters: LocalDeadLetters;
  readonly #options: Required<LocalEventQueueOptions>;
  readonly #groups = new Map<string, Stored[]>();
  readonly #busy = new Set<string>();
  #consumer: Consumer | undefined;
  #nextId = 0;
  #idle: Array<() => void> = [];

  constructor(options: LocalEventQueueOptions = {}, deadLetters = new LocalDeadLetters()) {
    this.#options = { concurrency: 4, batchSize: 10, maxReceiveCount: 5, retryDelayMs: 1000, ...options };
    this.deadLetters = deadLetters;
  }

  async send(event: LiveEvent): Promise<void> {
    const message = {
      id: `e-${++this.#nextId}`,
      body: JSON.stringify(event),
      receiveCount: 0,
      group: event.group,
    };
    this.#groups.set(event.group, [...(this.#groups.get(event.group) ?? []), message]);
    this.#pump();
  }

  consume(consumer: Consumer): void {
    this.#consumer = consumer;
    this.#pump();
  }

  /** Messages waiting, being applied or waiting to be retried. */
  get depth(): number {
    let depth = 0;
    for (const messages of this.#groups.values()) depth += messages.length;
    return depth;
  }

  /** Resolves once every message was applied or dead-lettered. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    const consumer = this.#consumer;
    if (!consumer) return;
    for (const [group, messages] of this.#groups) {
      if (this.#busy.size >= this.#options.concurrency) break;
      if (this.#busy.has(group) || messages.length === 0) continue;
      this.#busy.add(group);
      void this.#deliver(consumer, group, messages.slice(0, this.#options.batchSize));
    }
    if (this.depth === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #deliver(consumer: Consumer, group: string, batch: Stored[]): Promise<void> {
    for (const message of batch) message.receiveCount++;
    let retry: Set<string>;
    try {
      retry = new Set((await consumer(batch.map(({ group: _, ...m }) => ({ ...m })))).retry);
    } catch (error) {
      retry = new Set(batch.map((m) => m.id));
      for (const message of batch.filter((m) => m.receiveCount >= this.#options.maxReceiveCount)) {
        retry.delete(message.id);
        await this.deadLetters.send(
          message.body,
          `the worker failed ${message.receiveCount} times: ${(error as Error).message}`,
        );
      }
    }
    const remaining = (this.#groups.get(group) ?? []).filter((m) => !batch.includes(m) || retry.has(m.id));
    if (remaining.length === 0) this.#groups.delete(group);
    else this.#groups.set(group, remaining);
    const release = () => {
      this.#busy.delete(group);
      this.#pump();
    };
    // The group stays busy while its retried head waits: later events must not overtake it.
    if (retry.size > 0) setTimeout(release, this.#options.retryDelayMs);
    else release();
  }
}
