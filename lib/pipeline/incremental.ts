import type { PortAppConfig } from "../mapping/index.ts";
import { findKind } from "../source/kinds.ts";
import type { Kind, Source } from "../source/types.ts";
import type { RunRecords } from "./contracts/index.ts";
import type { IncrementalScope } from "./run.ts";

/**
 * How long before the last completed run's start an incremental run looks back. The cutoff is
 * this machine's clock, compared with the source's timestamps (GitHub's `updated_at`): clocks
 * drift, and GitHub's search index lags behind its writes by seconds to minutes, so an item
 * changed just before the last run listed may have been invisible to it. Listing a few minutes
 * twice costs little (unchanged entities are not sent again); missing a change costs a stale
 * catalog until the next full resync.
 */
export const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

/** The deletion reason of every incremental run. */
export const INCREMENTAL_DELETES_NOTHING =
  "an incremental run deletes nothing: deletions are decided by full resyncs";

/** An incremental run's scope and resources, or why the run is a full resync instead. */
export type IncrementalPlan = { scope: IncrementalScope; resources: number[] } | { full: string };

/**
 * Plans an incremental run over `resources` (the config's indexes the run would cover): only
 * the resources whose kind can list its changes, since the start of the integration's last
 * completed run less {@link CLOCK_SKEW_MARGIN_MS}. A full resync instead when nothing safe can
 * be said of what changed: no completed run yet, a mapping that changed since (every entity
 * may map differently), or a last run that did not cover these resources (`--kinds`).
 *
 * @example
 * const plan = await planIncremental(store, "github", config, source, [0, 1, 2]);
 * if ("full" in plan) log.info(`full resync: ${plan.full}`);
 */
export async function planIncremental(
  store: Pick<RunRecords, "latestCompletedRun" | "getConfig">,
  integrationId: string,
  config: PortAppConfig,
  source: Source,
  resources: number[],
): Promise<IncrementalPlan> {
  const covered: number[] = [];
  const notCovered = new Set<string>();
  for (const index of resources) {
    const kind = config.resources[index]?.kind ?? "";
    if (findKind(source, kind)?.changes) covered.push(index);
    else notCovered.add(kind);
  }
  if (covered.length === 0)
    return { full: `no kind of this run can list its changes (${[...notCovered].join(", ")})` };
  const last = await store.latestCompletedRun(integrationId);
  if (!last) return { full: "no completed run of this integration yet" };
  const before = await store.getConfig(last.runId);
  // Compared as stored (JSON): a snapshot has lost the fields a loader left undefined.
  if (!before || JSON.stringify(before.resources) !== JSON.stringify(config.resources))
    return { full: `the mapping changed since the last completed run (${last.runId})` };
  const missed = covered.filter((index) => !last.resources.includes(index));
  if (missed.length > 0) {
    const kinds = missed.map((index) => config.resources[index]?.kind).join(", ");
    return { full: `the last completed run (${last.runId}) did not cover ${kinds}` };
  }
  const since = new Date(Date.parse(last.startedAt) - CLOCK_SKEW_MARGIN_MS).toISOString();
  return { scope: { since, after: last.runId, notCovered: [...notCovered] }, resources: covered };
}

/**
 * The kind as an incremental run lists it: its changes since `since`, as one unpartitioned
 * listing with a cursor, like any other. No conditional requests (no partition memos come of
 * it), and no second look: an incremental run deletes nothing.
 */
export function changesOf(kind: Kind, since: string): Kind {
  const changes = kind.changes?.bind(kind);
  if (!changes) throw new TypeError(`kind ${kind.name} cannot list its changes`);
  return { name: kind.name, listAgain: false, pages: (options) => changes(since, options) };
}
