import type { LambdaFunctionURLEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { receiveWebhook } from "../live/receive.ts";
import type { WorkerDeps } from "../live/worker.ts";
import { processEvents } from "../live/worker.ts";
import type { Logger } from "../pipeline/logger.ts";
import type { WebhookRuntime } from "./live-runtime.ts";

/**
 * The webhook function's logic (a Function URL, auth NONE: the signature is the check):
 * `POST /webhooks/github` verified and queued; anything else 404.
 */
/** A Function URL answer (the structured form). */
export interface UrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function webhookHandler(runtime: () => Promise<WebhookRuntime>, log: Logger) {
  return async (event: LambdaFunctionURLEvent): Promise<UrlResult> => {
    const method = event.requestContext?.http?.method ?? "GET";
    const path = event.rawPath ?? "/";
    if (method !== "POST" || path !== "/webhooks/github") {
      return json(404, { ok: false, error: `no route ${method} ${path} (GitHub posts to /webhooks/github)` });
    }
    const rt = await runtime();
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const body = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
    const answer = await receiveWebhook({ secret: rt.secret, queue: rt.queue, log }, { headers, body });
    return json(answer.status, answer.body);
  };
}

/** The events worker's logic: an SQS FIFO batch in, the messages to deliver again out. */
export function eventsHandler(runtime: () => Promise<WorkerDeps>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const deps = await runtime();
    const report = await processEvents(
      deps,
      event.Records.map((record) => ({
        id: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
      })),
    );
    return { batchItemFailures: report.retry.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

function json(statusCode: number, body: Record<string, unknown>): UrlResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
