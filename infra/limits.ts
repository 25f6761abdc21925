import { BatchPayloadTooLargeError } from "./errors.ts";

/** Lambda's limit on a synchronous invocation's payload (the SQS poller invokes synchronously). */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** What one SQS record adds around its body in the event: ids, attributes, receipt handle. */
export const SQS_RECORD_ENVELOPE_BYTES = 1024;

/** The largest SQS message body. */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Throws {@link BatchPayloadTooLargeError} when a full batch of the largest messages the
 * fanout may send could not be handed to the ingest in one invocation.
 *
 * @example
 * assertBatchFitsPayload(10, 256 * 1024); // fine: ≈2.5 MiB
 * assertBatchFitsPayload(30, 256 * 1024); // throws, naming both props and the largest safe batchSize
 */
export function assertBatchFitsPayload(batchSize: number, maxMessageBytes: number): void {
  const perMessage = maxMessageBytes + SQS_RECORD_ENVELOPE_BYTES;
  const worstCaseBytes = batchSize * perMessage;
  if (worstCaseBytes > LAMBDA_SYNC_PAYLOAD_BYTES) {
    const largest = Math.floor(LAMBDA_SYNC_PAYLOAD_BYTES / perMessage);
    throw new BatchPayloadTooLargeError(
      batchSize,
      maxMessageBytes,
      worstCaseBytes,
      LAMBDA_SYNC_PAYLOAD_BYTES,
      largest,
    );
  }
}
