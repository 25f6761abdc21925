import type { Failure } from "./run.ts";

/**
 * Failures grouped by cause: 2,000 identical "blueprint not found" become one line counting
 * 2,000, with a few examples. Counted before failures are sampled, so counts are exact.
 */
export interface FailureCause {
  /** What failed, without what is particular to one item: HTTP status, code, message. */
  cause: string;
  count: number;
  examples: Failure[];
}

const MAX_CAUSES = 20;
const MAX_EXAMPLES = 3;
/** Counted under this cause once {@link MAX_CAUSES} distinct causes are kept. */
const OTHER = "other causes";

/**
 * The cause of a failure: its status and code, and its message with what names one item
 * (quoted values, numbers, the `blueprint/identifier:` prefix) blanked out.
 */
export function causeOf(f: Failure): string {
  const message = f.message
    .replace(/^[\w.-]+\/[^\s:]+: /, "")
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "…")
    .replace(/\b\d+\b/g, "N");
  return [f.status && `HTTP ${f.status}`, f.code, message].filter(Boolean).join(" ");
}

/**
 * Adds failures (each counting `weight`, 1 by default) to a list of causes, in place.
 *
 * @example
 * const causes: FailureCause[] = [];
 * addToCauses(causes, batch.failures);
 */
export function addToCauses(causes: FailureCause[], failures: Failure[], weight = 1): FailureCause[] {
  for (const failure of failures) add(causes, causeOf(failure), weight, [failure]);
  return causes;
}

/** Merges causes counted elsewhere (another batch) into `into`, in place. */
export function mergeCauses(into: FailureCause[], from: FailureCause[]): FailureCause[] {
  for (const c of from) add(into, c.cause, c.count, c.examples);
  return into;
}

/** Most frequent first. */
export function sortCauses(causes: FailureCause[]): FailureCause[] {
  return [...causes].sort((a, b) => b.count - a.count);
}

function add(causes: FailureCause[], cause: string, count: number, examples: Failure[]): void {
  let entry = causes.find((c) => c.cause === cause);
  if (!entry) {
    const full = causes.filter((c) => c.cause !== OTHER).length >= MAX_CAUSES;
    const key = full ? OTHER : cause;
    entry = causes.find((c) => c.cause === key);
    if (!entry) {
      entry = { cause: key, count: 0, examples: [] };
      causes.push(entry);
    }
  }
  entry.count += count;
  for (const example of examples) if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(example);
}
