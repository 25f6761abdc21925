/** Limits of one batch for {@link packGreedy}. */
export interface PackLimits<T> {
  /** At most this many items a batch. */
  maxCount: number;
  /** At most this many bytes a batch, counting `baseBytes` and a `separatorBytes` between items. */
  maxBytes: number;
  bytesOf: (item: T) => number;
  /** Bytes every batch costs whatever it holds (a request's envelope). Default 0. */
  baseBytes?: number;
  /** Bytes between two items (a comma in a JSON array). Default 0. */
  separatorBytes?: number;
}

/**
 * Greedy packing in input order: each item goes into the current batch if it still fits,
 * else starts the next one. An item too large for any batch gets a batch of its own (the
 * receiver then refuses that one item, not its neighbours). Used for Port's bulk upserts
 * and SQS's SendMessageBatch calls; a leaf, so the Port client may import it.
 *
 * @example
 * packGreedy(bodies, { maxCount: 10, maxBytes: 262_144, bytesOf: (b) => Buffer.byteLength(b) });
 */
export function packGreedy<T>(items: Iterable<T>, limits: PackLimits<T>): T[][] {
  const { maxCount, maxBytes, bytesOf, baseBytes = 0, separatorBytes = 0 } = limits;
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = baseBytes;
  for (const item of items) {
    const added = bytesOf(item) + (current.length > 0 ? separatorBytes : 0);
    if (current.length >= maxCount || (current.length > 0 && bytes + added > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = baseBytes;
    }
    bytes += bytesOf(item) + (current.length > 0 ? separatorBytes : 0);
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
