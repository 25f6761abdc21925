/**
 * JSON from an answer's bytes, as `JSON.parse(new TextDecoder().decode(bytes))` would give it,
 * without one string of the whole body.
 *
 * Why by hand: V8 puts a string over ~128 KB in its large-object space, one fresh mapping per
 * string, and a page of 19 GitHub pull requests is 320 KB. Measured on our 2-core machines,
 * making such a string ran at ~250 MB/s against ~10 GB/s below the limit, and decoding and
 * parsing GitHub's pages was a third of the local pipeline's CPU. No library parses JSON faster
 * than the engine (streaming parsers in JS are several times slower), so the engine still parses
 * every value: a container larger than `limit` is cut at its top-level commas and each piece is
 * parsed on its own, from a string below the limit. The cuts fall on ASCII punctuation, never
 * inside a UTF-8 sequence, and what lies between the pieces is checked, so malformed JSON throws
 * a `SyntaxError` exactly where `JSON.parse` would throw one.
 *
 * @example
 * const page = parseJsonBytes(Buffer.from(await response.arrayBuffer())) as PullRequest[];
 */
export function parseJsonBytes(bytes: Uint8Array, limit = DEFAULT_LIMIT): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // The decoder fetch uses drops a leading byte-order mark; so does this.
  const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return new Cutter(buffer, limit).value(start, buffer.length);
}

/**
 * V8 puts strings of ~128 KB and more in its large-object space; a piece of 60 KB of UTF-8 stays
 * below that even as a two-byte string (one character beyond Latin-1 makes every one two bytes).
 */
const DEFAULT_LIMIT = 60 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** JSON's four whitespace bytes. */
const isSpace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

class Cutter {
  readonly #bytes: Buffer;
  readonly #limit: number;

  constructor(bytes: Buffer, limit: number) {
    this.#bytes = bytes;
    this.#limit = limit;
  }

  /** The value that fills `[from, to)`, whitespace around it allowed. */
  value(from: number, to: number): unknown {
    const b = this.#bytes;
    let first = from;
    while (isSpace(b[first])) first++;
    let last = to;
    while (last > first && isSpace(b[last - 1])) last--;
    const open = b[first];
    const close = b[last - 1];
    const container =
      (open === OPEN_ARRAY && close === CLOSE_ARRAY) || (open === OPEN_OBJECT && close === CLOSE_OBJECT);
    if (last - first < this.#limit || !container) return JSON.parse(b.toString("utf8", from, to));
    return open === OPEN_ARRAY ? this.#array(first + 1, last - 1) : this.#object(first + 1, last - 1);
  }

  #array(from: number, to: number): unknown[] {
    const out: unknown[] = [];
    if (this.#blank(from, to)) return out;
    for (let at = from; ; ) {
      const end = this.#end(at, to);
      out.push(this.value(at, end));
      if (end === to) return out;
      at = end + 1; // past the comma
    }
  }

  #object(from: number, to: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.#blank(from, to)) return out;
    const b = this.#bytes;
    for (let at = from; ; ) {
      let keyStart = at;
      while (isSpace(b[keyStart])) keyStart++;
      if (b[keyStart] !== QUOTE) throw unexpected(b, keyStart, to);
      const keyEnd = this.#stringEnd(keyStart, to);
      let colon = keyEnd;
      while (isSpace(b[colon])) colon++;
      if (b[colon] !== COLON) throw unexpected(b, colon, to);
      const key = JSON.parse(b.toString("utf8", keyStart, keyEnd)) as string;
      const end = this.#end(colon + 1, to);
      const value = this.value(colon + 1, end);
      // As JSON.parse: an own property even for "__proto__", the last of duplicate keys wins.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
      if (end === to) return out;
      at = end + 1;
    }
  }

  /** Whether `[from, to)` holds only whitespace (an empty container). */
  #blank(from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (!isSpace(this.#bytes[i])) return false;
    return true;
  }

  /**
   * Where the element starting at `from` ends: the next comma at this depth, or `to`. Brackets
   * are only counted here, not matched: the element's own parse rejects a mismatch or a stray
   * closing bracket.
   */
  #end(from: number, to: number): number {
    const b = this.#bytes;
    let depth = 0;
    for (let i = from; i < to; i++) {
      const byte = b[i];
      if (byte === QUOTE) i = this.#stringEnd(i, to) - 1;
      else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) depth++;
      else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
      else if (byte === COMMA && depth === 0) return i;
    }
    return to;
  }

  /** Just past the string whose opening quote is at `quote`; `indexOf` finds quotes natively. */
  #stringEnd(quote: number, to: number): number {
    const b = this.#bytes;
    for (let i = quote; ; ) {
      i = b.indexOf(QUOTE, i + 1);
      if (i < 0 || i >= to) throw new SyntaxError("Unterminated string in JSON");
      let backslashes = 0;
      while (b[i - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return i + 1;
    }
  }
}

function unexpected(bytes: Buffer, at: number, to: number): SyntaxError {
  const found = at < to ? `'${String.fromCharCode(bytes[at] ?? 0)}'` : "end of input";
  return new SyntaxError(`Unexpected ${found} in JSON at position ${at}`);
}
