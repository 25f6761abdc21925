import type { Jq } from "jq-wasm";
import { assemble, type Outcome } from "./assemble.ts";
import { itemKey } from "./item-key.ts";
import { parseBatch, runBatch } from "./jq.ts";
import { type KeepPlan, trim } from "./optimiser/needed-paths.ts";
import { type ResourceProgram, SLOW, type Slot } from "./program.ts";
import type { MapResult } from "./types.ts";

/**
 * Maps one chunk of items: the fast program with its shortcuts (items trimmed to what the
 * mapping reads, plain paths read in JavaScript), and the slow program for the items that
 * need it. The first chunk of each compiled mapping is also mapped the plain way — the slow
 * program over whole items, no shortcut at all — and if the two ever disagree, the plain
 * way is used from then on. Correct first, fast when provably the same.
 */

export interface MappingState {
  jq: Jq;
  program: ResourceProgram;
  /** What the fast program reads of an item; undefined: all of it. */
  fastKeep: KeepPlan | undefined;
  /** What the slow program (every expression) reads of an item; undefined: all of it. */
  slowKeep: KeepPlan | undefined;
  /** `plain` from the start when `TIDE_JQ_FAST_PATH=off`, or once the fast path disagreed with plain jq. */
  mode: "unverified" | "verified" | "plain";
  /** Why this mapping fell back from the fast path, not yet reported in a {@link MapResult}. */
  fallbacks: string[];
}

/** One item's JSON text for jq, as `keep` trims it; undefined when the item is not JSON. */
export function serialize(item: unknown, keep: KeepPlan | undefined): string | undefined {
  try {
    return JSON.stringify(keep ? trim(item, keep) : item);
  } catch {
    return undefined; // cycles, BigInt
  }
}

/** Maps `items[i]` for each i of `indexes` into `out`; `texts` are those items trimmed to `fastKeep`. */
export function mapChunk(
  state: MappingState,
  items: readonly unknown[],
  indexes: number[],
  texts: string[],
  out: MapResult,
): void {
  if (state.mode === "plain") {
    // `texts` may be trimmed for the fast program (the shortcuts were given up within this call).
    const whole = indexes.map((i) => serialize(items[i], undefined));
    collect(state, items, indexes, runSlow(state, whole), out);
    return;
  }
  const outputs = shortcut(state, items, indexes, texts);
  if (state.mode === "verified") {
    collect(state, items, indexes, outputs, out);
    return;
  }

  const whole = indexes.map((i) => serialize(items[i], undefined));
  // An item that is JSON only once trimmed (a cycle where the mapping never reads) cannot
  // take part in the comparison: verify with a later chunk.
  if (whole.some((t) => t === undefined)) {
    collect(state, items, indexes, outputs, out);
    return;
  }
  const fast = emptyResult();
  const reference = emptyResult();
  collect(state, items, indexes, outputs, fast);
  collect(state, items, indexes, runSlow(state, whole), reference);
  state.mode = JSON.stringify(fast) === JSON.stringify(reference) ? "verified" : "plain";
  if (state.mode === "plain") {
    state.fallbacks.push(
      "the fast path disagreed with plain jq on a batch: mapping the plain way from now on",
    );
  }
  merge(out, reference);
}

const NOT_JSON = Symbol("not JSON");

/** The slow program over the given texts; an undefined text (an item that is not JSON) gives NOT_JSON. */
function runSlow(state: MappingState, texts: Array<string | undefined>): unknown[] {
  const outputs: unknown[] = texts.map(() => NOT_JSON);
  const runnable = texts.flatMap((t, n) => (t === undefined ? [] : [n]));
  if (runnable.length === 0) return outputs;
  const input = runnable.map((n) => texts[n]).join("\n");
  const results = parseBatch(runBatch(state.jq, input, state.program.slow, runnable.length));
  for (const [k, n] of runnable.entries()) outputs[n] = results[k];
  return outputs;
}

/** The fast program, with plain paths read here, then the slow program for the items that need it. */
function shortcut(
  state: MappingState,
  items: readonly unknown[],
  indexes: number[],
  texts: string[],
): unknown[] {
  const { program } = state;
  const outputs = parseBatch(runBatch(state.jq, texts.join("\n"), program.fast, texts.length));
  const again: number[] = [];
  for (const [n, output] of outputs.entries()) {
    const resolved = resolveItem(output, items[indexes[n] as number], program.slots);
    if (resolved === SLOW) again.push(n);
    else outputs[n] = resolved;
  }
  if (again.length === 0) return outputs;
  const slow = runSlow(
    state,
    again.map((n) => serialize(items[indexes[n] as number], state.slowKeep)),
  );
  for (const [k, n] of again.entries()) outputs[n] = slow[k];
  return outputs;
}

/** Turns a fast-program output into `{values}` per entity, or SLOW if the item needs the slow program. */
function resolveItem(output: unknown, item: unknown, slots: Slot[]): unknown {
  if (output === SLOW) return SLOW;
  if (Array.isArray(output)) return resolveEntity(output, item, slots);
  const elements = (output as { p?: unknown[] } | null)?.p;
  if (!Array.isArray(elements)) return output;
  const resolved = elements.map((e) => (Array.isArray(e) ? resolveEntity(e, undefined, slots) : e));
  return resolved.includes(SLOW) ? SLOW : { p: resolved };
}

const NOT_PLAIN = Symbol("not a plain value");

function resolveEntity(output: unknown[], item: unknown, slots: Slot[]): { values: unknown[] } | typeof SLOW {
  const values = new Array<unknown>(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i] as Slot;
    if (s.constant) continue;
    if (s.keys) {
      const value = readPath(item, s.keys);
      if (value === NOT_PLAIN) return SLOW;
      values[i] = value;
    } else {
      const r = output[s.position as number];
      values[i] = s.bare ? r : ((r as unknown[])[0] ?? null);
    }
  }
  return { values };
}

/**
 * jq's `.a.b` on JSON data: a key of an object, null for a missing key or a null. Anything
 * jq would raise an error for, or that is not plain JSON, is left to jq (NOT_PLAIN).
 */
function readPath(item: unknown, keys: string[]): unknown {
  let value: unknown = item;
  for (const key of keys) {
    if (value === null || value === undefined) return null;
    if (typeof value !== "object" || Array.isArray(value)) return NOT_PLAIN;
    value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : null;
  }
  if (value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : NOT_PLAIN;
  if (typeof value === "object" && value !== null) {
    try {
      JSON.stringify(value);
    } catch {
      return NOT_PLAIN;
    }
    return value;
  }
  return typeof value === "string" || typeof value === "boolean" || value === null ? value : NOT_PLAIN;
}

/** Records every item's outcome. */
function collect(
  state: MappingState,
  items: readonly unknown[],
  indexes: number[],
  outputs: unknown[],
  out: MapResult,
): void {
  const { shape, slots } = state.program;
  for (const [n, output] of outputs.entries()) {
    const itemIndex = indexes[n] as number;
    const item = items[itemIndex];
    const nested = output as { p?: unknown[]; pe?: unknown; pn?: string };
    if (output === NOT_JSON) {
      out.failures.push({ itemIndex, field: "item", message: "the item is not JSON data" });
    } else if (
      nested === null ||
      typeof nested !== "object" ||
      !("p" in nested || "pe" in nested || "pn" in nested)
    ) {
      record(out, assemble(output, shape, slots), itemIndex, item);
    } else if (nested.p) {
      for (const [elementIndex, result] of nested.p.entries()) {
        record(out, assemble(result, shape, slots), itemIndex, item, elementIndex);
      }
    } else if (nested.pe !== undefined) {
      const message = typeof nested.pe === "string" ? nested.pe : JSON.stringify(nested.pe);
      out.failures.push({ itemIndex, ...keyOf(item), field: "itemsToParse", message });
    } else if (nested.pn === "null") {
      out.skipped.push({ itemIndex, ...keyOf(item), reason: "itemsToParse is null" });
    } else {
      // Ocean warns and skips such an item: a skip, not a failure, so it does not block deletion.
      const got = nested.pn === "object" ? "an object" : `a ${nested.pn}`;
      const reason = `itemsToParse ${state.program.itemsToParse ?? ""} gave ${got}, not an array`;
      out.skipped.push({ itemIndex, ...keyOf(item), reason });
    }
  }
}

function record(
  out: MapResult,
  outcome: Outcome,
  itemIndex: number,
  item: unknown,
  elementIndex?: number,
): void {
  const at = elementIndex === undefined ? { itemIndex } : { itemIndex, elementIndex };
  if ("entity" in outcome) out.entities.push({ entity: outcome.entity, ...at });
  else if ("filtered" in outcome) out.filtered++;
  else {
    // Name the item by its mapped identifier when it got that far, else by its own fields.
    const own = itemKey(item);
    const key =
      outcome.key ?? (own !== undefined && elementIndex !== undefined ? `${own}[${elementIndex}]` : own);
    const keyed = key === undefined ? {} : { key };
    if ("skipped" in outcome) out.skipped.push({ ...at, ...keyed, reason: outcome.skipped });
    else out.failures.push({ ...at, ...keyed, ...outcome.failed });
  }
}

export function emptyResult(): MapResult {
  return { entities: [], filtered: 0, skipped: [], failures: [] };
}

export function merge(into: MapResult, from: MapResult): void {
  into.entities.push(...from.entities);
  into.filtered += from.filtered;
  into.skipped.push(...from.skipped);
  into.failures.push(...from.failures);
}

export function keyOf(item: unknown): { key?: string } {
  const key = itemKey(item);
  return key === undefined ? {} : { key };
}
