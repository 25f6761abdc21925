import { createHash } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { LiveEvent } from "../live/event.ts";
import type { EventQueue } from "../live/receive.ts";
import type { DeadLetters } from "../live/worker.ts";

/** SQS's default largest message, which the stack keeps. */
const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * The live-events queue: SQS FIFO, one message group per entity (events about one object apply
 * in order; others in parallel), deduplicated by `X-GitHub-Delivery` for SQS's five minutes.
 */
export class SqsEventQueue implements EventQueue {
  readonly maxMessageBytes = MAX_MESSAGE_BYTES;
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(event: LiveEvent): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify(event),
        MessageGroupId: sqsId(event.group),
        MessageDeduplicationId: sqsId(event.deliveryId),
      }),
    );
  }
}

/**
 * The live-events dead-letter queue (FIFO too): the event as it was queued, with the reason it
 * failed as the `reason` message attribute. A redrive to the events queue applies it again.
 */
export class SqsDeadLetters implements DeadLetters {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(body: string, reason: string): Promise<void> {
    let group = "unreadable";
    try {
      group = (JSON.parse(body) as { group?: string }).group ?? group;
    } catch {
      // An unreadable message keeps the default group.
    }
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: body,
        MessageGroupId: sqsId(group),
        MessageDeduplicationId: createHash("sha256").update(body).update(reason).digest("hex"),
        MessageAttributes: { reason: { DataType: "String", StringValue: reason.slice(0, 4096) } },
      }),
    );
  }
}

/** Group and deduplication ids: at most 128 of SQS's allowed characters; others are hashed. */
function sqsId(value: string): string {
  return /^[\w!"#$%&'()*+,\-./:;<=>?@[\\\]^`{|}~]{1,128}$/.test(value)
    ? value
    : createHash("sha256").update(value).digest("hex");
}
