import { afterEach, describe, expect, it } from "vitest";
import { MemoryContentHashes } from "../../lib/local/memory-content-hashes.ts";
import { MemoryPartitionMemos } from "../../lib/local/memory-partition-memos.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import type { PortAppConfig } from "../../lib/mapping/index.ts";
import { BLUEPRINTS, resyncWorld, startWorld, type World } from "../support/world.ts";

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

  it("goes on across short invocations without asking about a recorded partition again", async () => {
    world = await startWorld({ github: { repos: 40, pullsPerRepo: 2, issuesPerRepo: 1, teams: 1, seed: 3 } });
    const state = { hashes: new MemoryContentHashes(), memos: new MemoryPartitionMemos() };
    await resync(world, state);
    const first = counted(world);
    world.github.resetStats();
    // Each invocation may look at the clock 12 times (about a partition each) before its time is up.
    const shortInvocations = () => {
      let checks = 12;
      return () => (checks-- > 0 ? 60_000 : 0);
    };
    const { run } = await resync(world, {
      ...state,
      remainingTime: shortInvocations,
      fanout: { marginMs: 1000 },
    });
    expect(run.status).toBe("completed");
    expect(run.continuations).toBeGreaterThanOrEqual(3);
    // Each repository's pages asked about once: a continuation knows the recorded groups.
    const second = counted(world);
    expect(second.notModified).toBe(first.perRepository);
    expect(second.perRepository).toBe(first.perRepository);
    const pulls = run.summary?.kinds.find((k) => k.kind === "pull-request");
    expect(pulls?.unchanged).toBe(world.port.entities(BLUEPRINTS.pullRequest).length);
    expect(world.actual()).toEqual(world.expected());
  });

  it("counts each partition once when the fanout dies after writing a group and a retry records it again", async () => {
    // More repositories than a group holds: the first group is written while others are asked about.
    world = await startWorld({
      github: { repos: 130, pullsPerRepo: 1, issuesPerRepo: 0, teams: 1, seed: 8 },
    });
    const state = { hashes: new MemoryContentHashes(), memos: new MemoryPartitionMemos() };
    await resync(world, state);
    const pullsFirst = (await resync(world, state)).run.summary?.kinds.find((k) => k.kind === "pull-request");
    expect(pullsFirst?.unchanged).toBe(world.port.entities(BLUEPRINTS.pullRequest).length);

    const store = new MemoryRunStore();
    const runId = "20261202T000000Z-crash1";
    const options = { ...state, runId, kinds: ["pull-request"] };
    // The first invocation dies just after its first group is written (nothing else of it lands).
    let dead = false;
    const dying = new Proxy(store, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (dead) throw new Error("the invocation is dead");
          const out = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (name !== "recordUnchanged") return out;
          return (out as Promise<void>).then(() => {
            dead = true;
          });
        };
      },
    });
    await expect(resync(world, { ...options, store: dying })).rejects.toThrow(/dead/);
    const resource = world.config.resources.findIndex((r) => r.kind === "pull-request");
    const recorded = await store.unchangedPartitions(runId, resource);
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.length).toBeLessThan(130);
    // Lambda retries the start. This retry, like a second delivery of the same invoke started
    // before that write, does not see the group and records its partitions again.
    const retrying = new Proxy(store, {
      get(target, name) {
        if (name === "unchangedPartitions") return async () => [];
        const value = Reflect.get(target, name) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { run } = await resync(world, { ...options, store: retrying });
    expect(run.status).toBe("completed");
    const pulls = run.summary?.kinds.find((k) => k.kind === "pull-request");
    expect(pulls).toEqual(pullsFirst);
    expect(world.actual()).toEqual(world.expected());
  });
});
