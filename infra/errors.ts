/**
 * Thrown at construct time when a `Tide` prop (or the context value it came from) is out of
 * range, so that `cdk synth` stops with the prop, the value and the rule it broke — not a
 * CloudFormation error ten minutes into a deploy.
 */
export class TidePropError extends Error {
  override readonly name = "TidePropError";
  /** The prop (or context key) at fault, e.g. `batchSize`. */
  readonly prop: string;
  readonly value: unknown;

  constructor(prop: string, value: unknown, rule: string) {
    super(`Tide: ${prop}=${JSON.stringify(value)} ${rule}`);
    this.prop = prop;
    this.value = value;
  }
}

/**
 * Thrown when `batchSize × maxMessageBytes` (plus the event envelope) could exceed the payload
 * Lambda accepts for one synchronous invocation: the SQS poller would then have to invoke the
 * ingest with partial batches, or fail, and the tuning would not mean what it says.
 */
export class BatchPayloadTooLargeError extends Error {
  override readonly name = "BatchPayloadTooLargeError";
  readonly batchSize: number;
  readonly maxMessageBytes: number;
  /** Worst-case size of one ingest invocation's event, in bytes. */
  readonly worstCaseBytes: number;
  readonly limitBytes: number;

  constructor(
    batchSize: number,
    maxMessageBytes: number,
    worstCaseBytes: number,
    limitBytes: number,
    largestBatchSize: number,
  ) {
    super(
      `Tide: batchSize=${batchSize} × maxMessageBytes=${maxMessageBytes} could reach ${worstCaseBytes} bytes ` +
        `per ingest invocation (≈1 KiB of SQS record envelope counted per message), above Lambda's ` +
        `${limitBytes}-byte synchronous payload limit. Lower batchSize to at most ${largestBatchSize} ` +
        `or lower maxMessageBytes.`,
    );
    this.batchSize = batchSize;
    this.maxMessageBytes = maxMessageBytes;
    this.worstCaseBytes = worstCaseBytes;
    this.limitBytes = limitBytes;
  }
}
