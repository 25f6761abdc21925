import { ENVELOPE_BYTES } from "./message.ts";

export type Packed =
  /** `bytes`: what the items take in a JSON array, brackets and commas included. */
  | { items: unknown[]; bytes: number }
  | { tooLarge: { index: number; bytes: number } }
  | { unsendable: { index: number; reason: string } };

/**
 * Splits a page of raw items into chunks whose message body stays within `maxBytes`, in
 * order. An item that cannot fit any message on its own is reported, never dropped.
 */
export function* packItems(items: readonly unknown[], maxBytes: number): Generator<Packed> {
  const budget = maxBytes - ENVELOPE_BYTES;
  let chunk: unknown[] = [];
  let size = 0;
  for (const [index, item] of items.entries()) {
    let json: string;
    try {
      json = JSON.stringify(item) ?? "null";
    } catch (error) {
      // A cycle, a BigInt, nesting deeper than the stack: this item fails, not its page.
      yield { unsendable: { index, reason: (error as Error).message } };
      continue;
    }
    // +1 for the comma between items of the JSON array.
    const bytes = Buffer.byteLength(json) + 1;
    if (bytes > budget) {
      yield { tooLarge: { index, bytes } };
      continue;
    }
    if (size + bytes > budget) {
      yield { items: chunk, bytes: size + 1 };
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += bytes;
  }
  if (chunk.length > 0) yield { items: chunk, bytes: size + 1 };
}
