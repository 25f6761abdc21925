import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { packGreedy } from "../pack.ts";
import type { Queue } from "../pipeline/contracts/index.ts";
import type { IngestMessage } from "../pipeline/message.ts";

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** `SendMessageBatch` calls in flight at once. */
  concurrency?: number;
  /** Attempts for entries SQS reports as failed (throttling, internal errors). */
  maxAttempts?: number;
}

/** SQS allows 10 entries and 1 MiB of payload a `SendMessageBatch` call. */
const ENTRIES_PER_CALL = 10;
const BYTES_PER_CALL = 1024 * 1024;

/**
 * The ingest queue in SQS: packs messages into `SendMessageBatch` calls of at most 10
 * entries and 1 MiB, and sends again the entries SQS could not take.
 */
export class SqsQueue implements Queue {
  readonly #options: Required<SqsQueueOptions>;

  constructor(options: SqsQueueOptions) {
    this.#options = { concurrency: 4, maxAttempts: 5, ...options };
  }

  async send(messages: IngestMessage[]): Promise<void> {
    const calls = packGreedy(
      messages.map(
        (m, i): SendMessageBatchRequestEntry => ({ Id: String(i), MessageBody: JSON.stringify(m) }),
      ),
      {
        maxCount: ENTRIES_PER_CALL,
        maxBytes: BYTES_PER_CALL,
        bytesOf: (entry) => Buffer.byteLength(entry.MessageBody ?? ""),
      },
    );
    for (let i = 0; i < calls.length; i += this.#options.concurrency) {
      await Promise.all(
        calls.slice(i, i + this.#options.concurrency).map((entries) => this.#sendCall(entries)),
      );
    }
  }

  async #sendCall(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const result = await this.#options.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.#options.queueUrl, Entries: pending }),
      );
      const failed = result.Failed ?? [];
      if (failed.length === 0) return;
      const permanent = failed.find((f) => f.SenderFault);
      if (permanent || attempt >= this.#options.maxAttempts) {
        const f = permanent ?? failed[0];
        throw new Error(`SQS refused ${failed.length} message(s): ${f?.Code}: ${f?.Message}`);
      }
      const retry = new Set(failed.map((f) => f.Id));
      pending = pending.filter((e) => retry.has(e.Id));
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}
