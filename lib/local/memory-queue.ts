import type { Queue } from "../pipeline/contracts/index.ts";
import type { ReceivedMessage } from "../pipeline/ingest.ts";
import type { IngestMessage } from "../pipeline/message.ts";

export interface MemoryQueueOptions {
  /** Messages handed to one ingest call, like the SQS event source's `batchSize`. */
  batchSize: number;
  /** Concurrent ingest calls, like the event source's `maxConcurrency`. */
  concurrency: number;
  /** Deliveries before a message moves to the dead-letter list. */
  maxReceiveCount: number;
  /** How long a message to retry stays invisible, like SQS's visibility timeout. */
  retryDelayMs?: number;
}

type Consumer = (messages: ReceivedMessage[]) => Promise<{ retry: string[] }>;

interface Stored {
  id: string;
  body: string;
  receiveCount: number;
}

/**
 * An in-process queue that behaves like SQS with a Lambda event source mapping: bodies are
 * serialised, batches go to at most `concurrency` consumers, messages a consumer reports
 * (or all of them, if it throws) are delivered again, and after `maxReceiveCount`
 * deliveries a message moves to the dead-letter list.
 */
export class MemoryQueue implements Queue {
  readonly deadLetters: Stored[] = [];
  readonly #options: MemoryQueueOptions;
  readonly #ready: Stored[] = [];
  #consumer: Consumer | undefined;
  #active = 0;
  #invisible = 0;
  #nextId = 0;
  #idle: Array<() => void> = [];

  constructor(options: MemoryQueueOptions) {
    this.#options = options;
  }

  async send(messages: IngestMessage[]): Promise<void> {
    for (const message of messages) {
      this.#ready.push({ id: `m-${++this.#nextId}`, body: JSON.stringify(message), receiveCount: 0 });
    }
    this.#pump();
  }

  /** Starts delivering to `consumer`. */
  consume(consumer: Consumer): void {
    this.#consumer = consumer;
    this.#pump();
  }

  /** Messages waiting or being ingested. */
  get depth(): number {
    return this.#ready.length + this.#active + this.#invisible;
  }

  /** Abandons every message not yet being ingested (a local run stopped with Ctrl-C); returns how many. */
  drop(): number {
    const dropped = this.#ready.splice(0).length;
    this.#pump();
    return dropped;
  }

  /** Resolves once nothing is waiting and no consumer is busy. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    const consumer = this.#consumer;
    if (!consumer) return;
    while (this.#active < this.#options.concurrency && this.#ready.length > 0) {
      const batch = this.#ready.splice(0, this.#options.batchSize);
      this.#active++;
      void this.#deliver(consumer, batch);
    }
    if (this.depth === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #deliver(consumer: Consumer, batch: Stored[]): Promise<void> {
    for (const message of batch) message.receiveCount++;
    let retry: Set<string>;
    try {
      const report = await consumer(batch.map((m) => ({ ...m })));
      retry = new Set(report.retry);
    } catch {
      retry = new Set(batch.map((m) => m.id));
    }
    for (const message of batch) {
      if (!retry.has(message.id)) continue;
      if (message.receiveCount >= this.#options.maxReceiveCount) this.deadLetters.push(message);
      else this.#later(message);
    }
    this.#active--;
    this.#pump();
  }

  #later(message: Stored): void {
    this.#invisible++;
    setTimeout(() => {
      this.#invisible--;
      this.#ready.push(message);
      this.#pump();
    }, this.#options.retryDelayMs ?? 100);
  }
}
