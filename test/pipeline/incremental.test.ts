import { afterEach, describe, expect, it } from "vitest";
import { MemoryContentHashes } from "../../lib/local/memory-content-hashes.ts";
import { MemoryPartitionMemos } from "../../lib/local/memory-partition-memos.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import type { LocalResyncOptions } from "../../lib/local/resync.ts";
import { CLOCK_SKEW_MARGIN_MS, INCREMENTAL_DELETES_NOTHING } from "../../lib/pipeline/incremental.ts";
import { BLUEPRINTS, resyncWorld, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** One integration's runs, one after another, as a schedule makes them: one run table, hash and memo store. */
function runs(w: World) {
  const kept = {
    store: new MemoryRunStore(),
    hashes: new MemoryContentHashes(),
    memos: new MemoryPartitionMemos(),
  };
  const resync = (extra: Partial<LocalResyncOptions> = {}) => resyncWorld(w, { ...kept, ...extra });
  return Object.assign(resync, { memos: kept.memos });
}

type Pull = { number: number; title: string };
const openPulls = (w: World, repo: string) => w.github.org.pulls(repo, "open") as Pull[];
const itemsOf = (summary: { kinds: Array<{ kind: string; items: number }> } | undefined) =>
  Object.fromEntries((summary?.kinds ?? []).map((k) => [k.kind, k.items]));

describe("an incremental run", () => {
  it("picks up a changed pull request, a new issue, a renamed and a pushed-to repository, and nothing else", async () => {
    world = await startWorld();
    const resync = runs(world);
    const full = await resync();
    expect(full.run.status).toBe("completed");
    const { org } = world.github;
    const [a, b, c, d] = org.repoNames() as [string, string, string, string];
    const pull = openPulls(world, a)[0] as Pull;
    org.updatePull(a, pull.number, { title: "Retitled since the last run" });
    const [issue] = org.addIssues(b, 1) as [number];
    org.renameRepo(c, `${c}-renamed`);
    org.pushToRepo(d);
    expect(resync.memos.entries().length).toBeGreaterThan(0);
    const memos = JSON.stringify(resync.memos.entries());

    const { run } = await resync({ incremental: true });
    // It read no partition in full: the full resync's partition memos are left as they were.
    expect(JSON.stringify(resync.memos.entries())).toBe(memos);
    expect(run.status).toBe("completed");
    expect(run.incremental).toMatchObject({ after: full.run.runId, notCovered: ["team"] });
    expect(Date.parse(run.incremental?.since ?? "")).toBe(
      Date.parse(full.run.startedAt) - CLOCK_SKEW_MARGIN_MS,
    );
    expect(run.summary?.incremental).toEqual(run.incremental);
    expect(itemsOf(run.summary)).toEqual({ repository: 2, "pull-request": 1, issue: 1 });
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${a}-${pull.number}`)?.title).toBe(
      "Retitled since the last run",
    );
    expect(world.port.entity(BLUEPRINTS.issue, `${b}-${issue}`)).toBeDefined();
    expect(world.port.entity(BLUEPRINTS.repository, `${c}-renamed`)).toBeDefined();
    expect(world.port.entity(BLUEPRINTS.repository, d)?.properties.pushedAt).toBe(
      (org.repos().find((r) => r.name === d) as { pushed_at: string }).pushed_at,
    );
    // Only the changed entities were written, each once.
    expect(run.summary?.kinds.map((k) => [k.kind, k.entities])).toEqual([
      ["repository", 2],
      ["pull-request", 1],
      ["issue", 1],
    ]);
    expect(run.summary?.deletion).toMatchObject({ performed: false, reason: INCREMENTAL_DELETES_NOTHING });
  });

  it("deletes nothing, even when a repository disappeared; the next full resync does", async () => {
    world = await startWorld();
    const resync = runs(world);
    await resync();
    const [gone] = world.github.org.removeRepos(1) as [string];
    const { run } = await resync({ incremental: true });
    expect(run.status).toBe("completed");
    expect(run.summary?.deleted).toEqual({});
    expect(world.port.entity(BLUEPRINTS.repository, gone)).toBeDefined();
    const full = await resync();
    expect(full.run.summary?.deleted[BLUEPRINTS.repository]).toBe(1);
    expect(world.port.entity(BLUEPRINTS.repository, gone)).toBeUndefined();
  });

  it("reads every repository's own listing when search answers incomplete results", async () => {
    world = await startWorld();
    const resync = runs(world);
    await resync();
    const [a] = world.github.org.repoNames() as [string];
    const pull = openPulls(world, a)[0] as Pull;
    world.github.org.updatePull(a, pull.number, { title: "Changed while search timed out" });
    world.github.search.incomplete = 10;
    world.github.resetStats();
    const { run } = await resync({ incremental: true });
    expect(run.status).toBe("completed");
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${a}-${pull.number}`)?.title).toBe(
      "Changed while search timed out",
    );
    expect(itemsOf(run.summary)["pull-request"]).toBe(1);
    // One listing per repository, for pull requests and for issues, each stopped at the cutoff.
    expect(world.github.stats.byRoute["GET /repos/{owner}/{repo}/pulls"]).toBe(20);
    expect(world.github.stats.byRoute["GET /repos/{owner}/{repo}/issues"]).toBe(20);
  });

  it("reads every repository's own listing when more than 1,000 changed (search shows no more)", async () => {
    world = await startWorld({ github: { repos: 3 } });
    const resync = runs(world);
    await resync();
    const [a] = world.github.org.repoNames() as [string];
    world.github.org.addPulls(a, 1001);
    const { run } = await resync({ incremental: true });
    expect(run.status).toBe("completed");
    expect(itemsOf(run.summary)["pull-request"]).toBe(1001);
    expect(world.actual()[BLUEPRINTS.pullRequest]).toEqual(world.expected()[BLUEPRINTS.pullRequest]);
  });

  it("resumes across continuations and lands every change once", async () => {
    world = await startWorld();
    const resync = runs(world);
    await resync();
    for (const repo of world.github.org.repoNames()) world.github.org.addPulls(repo, 12);
    // Each invocation may look at the clock 3 times (about a page each) before its time is up.
    const pagesPerInvocation = () => {
      let checks = 3;
      return () => (checks-- > 0 ? 60_000 : 0);
    };
    const { run } = await resync({
      incremental: true,
      remainingTime: pagesPerInvocation,
      fanout: { marginMs: 1000 },
    });
    expect(run.continuations).toBeGreaterThanOrEqual(1);
    expect(run.status).toBe("completed");
    expect(itemsOf(run.summary)["pull-request"]).toBe(240);
    expect(world.actual()).toEqual(world.expected());
  });

  it("is a full resync, saying why, when no run of the integration has completed yet", async () => {
    world = await startWorld();
    const { run } = await runs(world)({ incremental: true });
    expect(run.status).toBe("completed");
    expect(run.incremental).toBeUndefined();
    expect(run.fullBecause).toBe("no completed run of this integration yet");
    expect(run.summary?.fullBecause).toBe(run.fullBecause);
    expect(run.summary?.deletion.performed).toBe(true);
    expect(world.actual()).toEqual(world.expected());
  });

  it("is a full resync when the mapping changed since, or the last run did not cover its kinds", async () => {
    world = await startWorld();
    const resync = runs(world);
    const partial = await resync({ kinds: ["repository"] });
    expect(partial.run.status).toBe("completed");
    const uncovered = await resync({ incremental: true });
    expect(uncovered.run.fullBecause).toBe(
      `the last completed run (${partial.run.runId}) did not cover pull-request, issue`,
    );
    const config = structuredClone(world.config);
    const repository = config.resources[0] as (typeof config.resources)[number];
    repository.port.entity.mappings.title = '.name + " (renamed in the mapping)"';
    const { run } = await resync({ incremental: true, config });
    expect(run.fullBecause).toBe(`the mapping changed since the last completed run (${uncovered.run.runId})`);
    expect(run.summary?.kinds.find((k) => k.kind === "repository")?.entities).toBe(20);
  });

  it("is reported failed like any run when GitHub fails it, and the next one starts from the last completed run", async () => {
    world = await startWorld();
    const resync = runs(world);
    const full = await resync();
    world.github.inject({ status: 404, match: /^\/search\/issues$/, times: 1 });
    const failed = await resync({ incremental: true });
    expect(failed.run.status).toBe("failed");
    expect(failed.run.summary?.deletion.performed).toBe(false);
    const next = await resync({ incremental: true });
    expect(next.run.status).toBe("completed");
    expect(next.run.incremental?.after).toBe(full.run.runId);
  });

  it("asks GitHub at most a tenth as many requests as the first full resync when nothing changed", async () => {
    world = await startWorld({ github: { repos: 60 } });
    const resync = runs(world);
    world.github.resetStats();
    await resync();
    const first = world.github.stats.requests;
    world.github.resetStats();
    const { run } = await resync({ incremental: true });
    const incremental = world.github.stats.requests;
    expect(run.status).toBe("completed");
    expect(run.summary?.kinds.reduce((sum, k) => sum + k.entities, 0)).toBe(0);
    expect(incremental).toBeLessThanOrEqual(first / 10);
  });
});
