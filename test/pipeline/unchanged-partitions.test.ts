import { afterEach, describe, expect, it } from "vitest";
import { MemoryContentHashes } from "../../lib/local/memory-content-hashes.ts";
import { MemoryPartitionMemos } from "../../lib/local/memory-partition-memos.ts";
import { type LocalResyncOptions, resyncLocal } from "../../lib/local/resync.ts";
import type { PortAppConfig } from "../../lib/mapping/index.ts";
import { BLUEPRINTS, INTEGRATION, resyncWorld, startWorld, type World } from "../support/world.ts";

/**
 * Conditional requests: a resync remembers, per repository, the ETags of its pull request and
 * issue pages and the entities they made; the next resync asks GitHub `If-None-Match` and
 * skips every repository whose pages answer 304 (not counted against the rate limit).
 */

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const PER_REPOSITORY = ["GET /repos/{owner}/{repo}/pulls", "GET /repos/{owner}/{repo}/issues"];

const resync = resyncWorld;

/** Requests the first (or any) run made, counted as GitHub counts them against the rate limit. */
function counted(w: World) {
  const { byStatus, byRoute, requests } = w.github.stats;
  const perRepository = PER_REPOSITORY.reduce((sum, route) => sum + (byRoute[route] ?? 0), 0);
  return { requests, notModified: byStatus[304] ?? 0, perRepository };
}

describe("an unchanged resync", () => {
  it("reads, sends and writes nothing for repositories whose pages answer 304, and keeps every entity", async () => {
    world = await startWorld({ github: { repos: 60, pullsPerRepo: 3, issuesPerRepo: 2, teams: 2, seed: 9 } });
    const state = { hashes: new MemoryContentHashes(), memos: new MemoryPartitionMemos() };
    await resync(world, state);
    expect(world.actual()).toEqual(world.expected());
    const first = counted(world);
    expect(first.notModified).toBe(0);

    world.github.resetStats();
    world.port.resetRequests();
    const { run } = await resync(world, state);
    const second = counted(world);

    expect(run.status).toBe("completed");
    // Every pull request and issue page was asked about, and answered 304.
    expect(second.notModified).toBe(first.perRepository);
    expect(second.perRepository).toBe(first.perRepository);
    // What counts against the rate limit: the repository listing and the unpartitioned kinds.
    const used = second.requests - second.notModified;
    expect(used / first.requests).toBeLessThanOrEqual(0.1);
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
    expect(run.summary?.deleted).toEqual({});
    expect(world.actual()).toEqual(world.expected());
    const pulls = run.summary?.kinds.find((k) => k.kind === "pull-request");
    expect(pulls?.unchanged).toBe(world.port.entities(BLUEPRINTS.pullRequest).length);
  });

  it("reads again just the repository that changed, and deletes what a removed repository held", async () => {
    world = await startWorld({ github: { repos: 20, pullsPerRepo: 2, issuesPerRepo: 0, teams: 1, seed: 4 } });
    const state = { hashes: new MemoryContentHashes(), memos: new MemoryPartitionMemos() };
    await resync(world, state);
    const pullsIn = (repo: string) =>
      world!.port.entities(BLUEPRINTS.pullRequest).filter((e) => e.identifier.startsWith(`${repo}-`));
    const [changed, removed] = world.github.org.repoNames().filter((n) => pullsIn(n).length > 0) as [
      string,
      string,
    ];
    const [added] = world.github.org.addPulls(changed, 1);
    world.github.org.removeRepo(removed);
    world.github.resetStats();

    const { run } = await resync(world, state);

    expect(run.status).toBe("completed");
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${changed}-${added}`)).toBeDefined();
    expect(pullsIn(removed)).toEqual([]);
    expect(world.actual()).toEqual(world.expected());
    // Every other repository's pages: asked about and unchanged. Not 304: the changed
    // repository's pull requests and issues (GitHub lists pull requests among issues), each
    // asked about then read, and the removed one's pull requests (the second look: 404).
    const { notModified, perRepository } = counted(world);
    expect(perRepository - notModified).toBe(5);
  });

  it("reads a resource again after its mapping changed, and everything with a full rewrite", async () => {
    world = await startWorld({ github: { repos: 10, pullsPerRepo: 2, issuesPerRepo: 0, teams: 1, seed: 6 } });
    const state = { hashes: new MemoryContentHashes(), memos: new MemoryPartitionMemos() };
    await resync(world, state);
    world.github.resetStats();
    await resync(world, { ...state, fullRewrite: true });
    expect(world.github.stats.byStatus[304]).toBeUndefined();

    const config = structuredClone(world.config) as PortAppConfig;
    const pulls = config.resources.find((r) => r.kind === "pull-request");
    if (!pulls) throw new Error("the default config has no pull-request resource");
    pulls.port.entity.mappings.title = '.title + " (changed)"';
    world.github.resetStats();
    const { run } = await resync(world, { ...state, config });
    expect(run.status).toBe("completed");
    // The pull requests are read again; the issues resource did not change and is skipped.
    expect(counted(world).notModified).toBe(world.github.stats.byRoute[PER_REPOSITORY[1] as string]);
    const [entity] = world.port.entities(BLUEPRINTS.pullRequest);
    expect(entity?.title).toMatch(/ \(changed\)$/);
  });
});
