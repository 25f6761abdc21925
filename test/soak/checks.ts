/**
 * The soak's checks: each one a name, a verdict and what was found, so a failed soak says
 * exactly what went wrong without a debugger.
 */

import { MAX_FAILURE_SAMPLES } from "../../lib/pipeline/caps.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import type { World } from "../support/world.ts";
import type { PhaseReport } from "./soak.ts";
import { actualCatalog, type Catalog, diffCatalogs, expectedCatalog } from "./truth.ts";

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export function phaseDigest(phase: string, run: RunRecord, portRequests: number): PhaseReport {
  const summary = run.summary;
  return {
    phase,
    status: run.status,
    durationMs: summary?.durationMs ?? 0,
    continuations: run.continuations,
    failures: summary?.failureCount ?? 0,
    deleted: Object.values(summary?.deleted ?? {}).reduce((n, d) => n + d, 0),
    portRequests,
  };
}

/** Port holds exactly the source's entities, identifiers and key fields alike. */
export function checkCatalog(phase: string, world: World): Check {
  const expected = expectedCatalog(world.github.org);
  const diff = diffCatalogs(expected, actualCatalog(world.port));
  const count = Object.values(expected).reduce((n, m) => n + m.size, 0);
  return {
    name: `${phase}: catalog equals the source`,
    pass: diff.length === 0,
    detail: diff.length === 0 ? `${count} entities, identifiers and key properties` : diff.join("; "),
  };
}

/** Every entity Port held before a failed run is still there, and the run says it deleted nothing. */
export function checkNothingDeleted(phase: string, before: Catalog, after: Catalog, run: RunRecord): Check {
  const gone: string[] = [];
  for (const [bp, entities] of Object.entries(before)) {
    for (const id of entities.keys()) if (!after[bp]?.has(id)) gone.push(`${bp}/${id}`);
  }
  const deletion = run.summary?.deletion;
  const deleted = Object.values(run.summary?.deleted ?? {}).reduce((n, d) => n + d, 0);
  const pass = gone.length === 0 && deletion?.performed === false && deleted === 0;
  return {
    name: `${phase}: nothing deleted by the failed run`,
    pass,
    detail: pass
      ? `${Object.values(before).reduce((n, m) => n + m.size, 0)} entities kept; ${deletion?.reason}`
      : `gone: ${gone.slice(0, 5).join(", ")} (${gone.length}); deletion ${JSON.stringify(deletion)}`,
  };
}

export interface Accounting {
  /** Raw items each kind's source yielded. */
  items: Record<string, number>;
  /** Failures expected per kind (others: none). */
  failures: Record<string, number>;
  /**
   * Partitions that failed to enumerate, per kind: each is one failure with no items (its
   * items were never listed), so it adds to the failures and not to the items.
   */
  partitionFailures?: Record<string, number>;
}

/**
 * Every item is accounted for: per kind, items = entities + unchanged + filtered + failures,
 * items match what the source yielded, failures are exactly those forced, and each failure
 * kept in the summary says what failed and why (Port's failures with status and trace id).
 */
export function checkAccounting(phase: string, run: RunRecord, expected: Accounting): Check[] {
  const summary = run.summary;
  if (!summary) return [{ name: `${phase}: run has a summary`, pass: false, detail: JSON.stringify(run) }];
  const sums: string[] = [];
  const items: string[] = [];
  const failures: string[] = [];
  for (const k of summary.kinds) {
    const total = k.entities + k.unchanged + k.filtered + k.failures;
    const unlisted = expected.partitionFailures?.[k.kind] ?? 0;
    if (k.items + unlisted !== total)
      sums.push(
        `${k.kind}: ${k.items} items${unlisted ? ` + ${unlisted} unlisted partition(s)` : ""} ≠ ${total}`,
      );
    if (k.items !== (expected.items[k.kind] ?? 0))
      items.push(`${k.kind}: ${k.items} items, the source yielded ${expected.items[k.kind] ?? 0}`);
    if (k.failures !== (expected.failures[k.kind] ?? 0))
      failures.push(`${k.kind}: ${k.failures} failures, ${expected.failures[k.kind] ?? 0} forced`);
  }
  const wanted = Object.values(expected.failures).reduce((n, f) => n + f, 0);
  if (summary.failureCount !== wanted)
    failures.push(`${summary.failureCount} failures in all, ${wanted} forced`);
  const unexplained = summary.failures.filter(
    (f) =>
      !f.kind ||
      !f.message ||
      // Port answered: its status and trace id, and the item, must be in the failure.
      (f.kind === "repository" && (f.status !== 422 || !f.traceId || !f.item)),
  );
  const samples = Math.min(summary.failureCount, MAX_FAILURE_SAMPLES);
  const kinds = summary.kinds.map(
    (k) => `${k.kind} ${k.items}=${k.entities}+${k.unchanged}+${k.filtered}+${k.failures}`,
  );
  return [
    {
      name: `${phase}: items (+ failed partitions) = entities + unchanged + filtered + failures`,
      pass: sums.length === 0,
      detail: sums.length === 0 ? kinds.join(", ") : sums.join("; "),
    },
    {
      name: `${phase}: every item the source yielded was counted`,
      pass: items.length === 0,
      detail:
        items.length === 0 ? `${summary.kinds.reduce((n, k) => n + k.items, 0)} items` : items.join("; "),
    },
    {
      name: `${phase}: failures are exactly those forced`,
      pass: failures.length === 0,
      detail: failures.length === 0 ? `${summary.failureCount} failure(s)` : failures.join("; "),
    },
    {
      name: `${phase}: every failure has its reason`,
      pass: unexplained.length === 0 && summary.failures.length === samples,
      detail:
        unexplained.length === 0
          ? `${summary.failures.length} kept of ${summary.failureCount}${summary.failures[0] ? `, e.g. ${summary.failures[0].message}` : ""}`
          : `${unexplained.length} without: ${JSON.stringify(unexplained.slice(0, 2))}`,
    },
  ];
}
