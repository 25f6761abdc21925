// parseJsonBytes must be JSON.parse over the decoded body, whatever the bytes: the same value
// for JSON, a SyntaxError for anything else. Random documents, cut at every container (limit
// 1), and random damage to them are compared with the engine's own parser.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJsonBytes } from "../../lib/http/json-bytes.ts";
// A seeded generator (mulberry32): the same cases on every run.
import { stream as random } from "../fakes/github/random.ts";

const STRINGS = [
  "",
  "a",
  'quote " inside',
  "back\\slash\\",
  "\\",
  '\\"',
  "ünïcödé ✓ 🐙",
  "\u0000\u001f",
  "}],{[:",
];
const KEYS = ["a", "b", "__proto__", "constructor", "", "with space", '"', "a"];

function document(next: () => number, depth = 0): unknown {
  const pick = next();
  if (depth > 3 || pick < 0.35) {
    const kind = Math.floor(next() * 6);
    if (kind === 0) return null;
    if (kind === 1) return next() < 0.5;
    if (kind === 2) return Math.round((next() - 0.5) * 1e6) / 100;
    if (kind === 3) return -0;
    return STRINGS[Math.floor(next() * STRINGS.length)];
  }
  const size = Math.floor(next() * 5);
  if (pick < 0.65) return Array.from({ length: size }, () => document(next, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) {
    Object.defineProperty(out, KEYS[Math.floor(next() * KEYS.length)] as string, {
      value: document(next, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** JSON text with random (legal) whitespace between tokens, and duplicate keys now and then. */
function spaced(text: string, next: () => number): string {
  const spaces = [" ", "\n", "\r\n", "\t", ""];
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    out += c;
    if (inString) {
      if (c === "\\") out += text[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if ("[]{},:".includes(c) && next() < 0.5) out += spaces[Math.floor(next() * spaces.length)];
  }
  return next() < 0.1 ? `{"a":1,"a":${out}}` : out;
}

/** JSON.parse over the decoded bytes, as fetch's `text()` decodes them: a value or the error's type. */
function engine(bytes: Buffer): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

function ours(bytes: Buffer, limit: number): { value: unknown } | { error: string } {
  try {
    return { value: parseJsonBytes(bytes, limit) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** Deep equality that tells -0 from 0, own "__proto__" keys and key order apart. */
const same = (a: unknown, b: unknown) => expect(Object.is(a, b) || serialise(a) === serialise(b)).toBe(true);
const serialise = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (Object.is(v, -0) ? "-0" : v)) +
  (typeof value === "object" && value !== null
    ? `:${Object.getPrototypeOf(value) === Object.prototype}`
    : "");

describe("parseJsonBytes", () => {
  it("gives JSON.parse's value for random documents, every container cut at every comma", () => {
    const next = random(1);
    for (let n = 0; n < 3000; n++) {
      const bytes = Buffer.from(spaced(JSON.stringify(document(next)) ?? "null", next));
      const expected = engine(bytes);
      for (const limit of [1, 8, 64]) {
        const got = ours(bytes, limit);
        expect(got, bytes.toString()).toMatchObject("error" in expected ? { error: "SyntaxError" } : {});
        if ("value" in expected && "value" in got) same(got.value, expected.value);
        else expect("error" in got, bytes.toString()).toBe("error" in expected);
      }
    }
  });

  it("throws a SyntaxError wherever JSON.parse does: random bytes removed, doubled or replaced", () => {
    const next = random(2);
    const bytesOf = '{}[],:"\\ 0a-.e\n\u00ff'.split("").map((c) => Buffer.from(c));
    let broken = 0;
    for (let n = 0; n < 6000; n++) {
      const good = Buffer.from(spaced(JSON.stringify(document(next)) ?? "null", next));
      const at = Math.floor(next() * good.length);
      const damage = Math.floor(next() * 3);
      const replacement = bytesOf[Math.floor(next() * bytesOf.length)] as Buffer;
      const bytes = Buffer.concat([
        good.subarray(0, at),
        damage === 0 ? Buffer.alloc(0) : damage === 1 ? good.subarray(at, at + 1) : replacement,
        good.subarray(damage === 1 ? at : at + 1),
      ]);
      const expected = engine(bytes);
      if ("error" in expected) broken++;
      for (const limit of [1, 16]) {
        const got = ours(bytes, limit);
        expect({ bytes: bytes.toString(), error: "error" in got }).toEqual({
          bytes: bytes.toString(),
          error: "error" in expected,
        });
        if ("error" in got) expect(got.error).toBe("SyntaxError");
        else if ("value" in expected) same(got.value, expected.value);
      }
    }
    // Most damage breaks the document: the comparison covered both sides.
    expect(broken).toBeGreaterThan(3000);
  });

  it("reads a byte-order mark and invalid UTF-8 as fetch's decoder does", () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('[{"a":"'),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('"},{"b":"ok"}]'),
    ]);
    const expected = engine(body);
    expect(expected).toEqual({ value: [{ a: "\ufffd" }, { b: "ok" }] });
    same((ours(body, 1) as { value: unknown }).value, (expected as { value: unknown }).value);
  });

  it("parses a page of recorded GitHub issues larger than the limit to the same objects", () => {
    const recorded = JSON.parse(
      readFileSync(
        new URL(
          "../../node_modules/@octokit/fixtures/scenarios/api.github.com/paginate-issues/normalized-fixture.json",
          import.meta.url,
        ),
        "utf8",
      ),
    ) as Array<{ response: unknown[] }>;
    const issues = recorded.flatMap((exchange) => exchange.response);
    const page = Buffer.from(JSON.stringify(Array.from({ length: 30 }, () => issues).flat()));
    expect(page.length).toBeGreaterThan(300 * 1024);
    expect(parseJsonBytes(page)).toEqual(JSON.parse(page.toString()));
  });
});
