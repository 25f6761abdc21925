/**
 * `npm run bench -- incremental`: the GitHub requests of an incremental run on unchanged data,
 * against the first full resync (issue 18's target: at most a tenth), beside an unchanged full
 * resync (conditional requests: most answer 304, which spares the rate limit but is still a
 * request). The cost benchmark's org (250 repositories × 19 pull requests), resynced in this
 * process against the fakes without latency: the figure is a count, not a time.
 */

import { MemoryContentHashes } from "../lib/local/memory-content-hashes.ts";
import { MemoryPartitionMemos } from "../lib/local/memory-partition-memos.ts";
import { MemoryRunStore } from "../lib/local/memory-run-store.ts";
import type { LocalResyncOptions } from "../lib/local/resync.ts";
import { resyncWorld, startWorld } from "../test/support/world.ts";
import type { BenchRow } from "./row.ts";

const REPOS = 250;
const PULLS_PER_REPO = 19;

export async function run(): Promise<BenchRow[]> {
  const world = await startWorld({
    github: { repos: REPOS, pullsPerRepo: PULLS_PER_REPO, issuesPerRepo: 0, teams: 0 },
  });
  try {
    const kept = {
      store: new MemoryRunStore(),
      hashes: new MemoryContentHashes(),
      memos: new MemoryPartitionMemos(),
    };
    const requests = async (extra: Partial<LocalResyncOptions> = {}) => {
      world.github.resetStats();
      const { run } = await resyncWorld(world, { ...kept, ...extra });
      if (run.status !== "completed") throw new Error(`the measured run ended ${run.status}`);
      const { stats } = world.github;
      return { all: stats.requests, notModified: stats.byStatus[304] ?? 0, byRoute: stats.byRoute };
    };
    const first = await requests();
    const full = await requests();
    const incremental = await requests({ incremental: true });
    const share = (n: number) => `${((100 * n) / first.all).toFixed(1)}%`;
    const routes = Object.entries(incremental.byRoute)
      .map(([route, n]) => `${n} ${route}`)
      .join(", ");
    const group = "incremental";
    return [
      {
        group,
        name: "GitHub requests of an unchanged incremental run, against the first full resync",
        value: `${incremental.all} of ${first.all} (${share(incremental.all)}): ${routes}`,
        target: "≤ 10%",
        pass: incremental.all <= 0.1 * first.all,
      },
      {
        group,
        name: "GitHub requests of an unchanged full resync, for comparison",
        value: `${full.all} of ${first.all} (${share(full.all)}; ${full.notModified} answered 304)`,
        target: "",
      },
    ];
  } finally {
    await world.close();
  }
}
