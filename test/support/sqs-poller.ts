import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  batchSize?: number;
  /** Concurrent handler invocations (the event source's `maxConcurrency`). */
  concurrency?: number;
  /** Seconds a message to retry stays invisible before its next delivery. */
  retryVisibilitySeconds?: number;
  /** Share of batches delivered a second time (SQS is at-least-once), from a seeded random. */
  duplicateRate?: number;
  random?: () => number;
}

export interface PollerStats {
  invocations: number;
  crashed: number;
  duplicates: number;
}

/**
 * Behaves like Lambda's SQS event source mapping, for tests: receives batches, invokes the
 * handler, deletes what succeeded, makes `batchItemFailures` (or the whole batch, when the
 * handler throws) visible again for redelivery; the queue's redrive policy moves messages
 * past `maxReceiveCount` to the DLQ, as in AWS.
 */
export class SqsPoller {
  readonly stats: PollerStats = { invocations: 0, crashed: 0, duplicates: 0 };
  readonly #options: Required<Omit<PollerOptions, "random">> & { random: () => number };
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(options: PollerOptions) {
    this.#options = {
      batchSize: 10,
      concurrency: 4,
      retryVisibilitySeconds: 0,
      duplicateRate: 0,
      random: Math.random,
      ...options,
    };
  }

  start(): void {
    this.#running = true;
    this.#loops = Array.from({ length: this.#options.concurrency }, () => this.#loop());
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    const { client, queueUrl, batchSize } = this.#options;
    while (this.#running) {
      const received = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      await this.#invoke(messages);
    }
  }

  async #invoke(messages: Message[]): Promise<void> {
    const { client, queueUrl, handler } = this.#options;
    const event: SQSEvent = { Records: messages.map(toRecord) };
    this.stats.invocations++;
    let failed: Set<string>;
    try {
      if (this.#options.random() < this.#options.duplicateRate) {
        // At-least-once: the same batch reaches two invocations at once.
        this.stats.duplicates++;
        const [first] = await Promise.all([handler(event), handler(event).catch(() => undefined)]);
        failed = new Set(first.batchItemFailures.map((f) => f.itemIdentifier));
      } else {
        const response = await handler(event);
        failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      }
    } catch {
      this.stats.crashed++;
      failed = new Set(messages.map((m) => m.MessageId ?? ""));
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ""));
    const retry = messages.filter((m) => failed.has(m.MessageId ?? ""));
    if (done.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    if (retry.length > 0) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: retry.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: this.#options.retryVisibilitySeconds,
          })),
        }),
      );
    }
  }
}

function toRecord(message: Message): SQSRecord {
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: message.Attributes?.SentTimestamp ?? "0",
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:tide-ingest",
    awsRegion: "us-east-1",
  };
}
