import { afterEach, describe, expect, it } from "vitest";
import { MemoryContentHashes } from "../../lib/local/memory-content-hashes.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import { BLUEPRINTS, resyncWorld, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const resync = resyncWorld;

describe("a local resync", () => {
  it("lands exactly the source's entities, with their properties and relations", async () => {
    world = await startWorld();
    const { run } = await resync(world);
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
    const repo = world.github.org.repos()[0] as { name: string; html_url: string; default_branch: string };
    expect(world.port.entity(BLUEPRINTS.repository, repo.name)?.properties).toMatchObject({
      url: repo.html_url,
      defaultBranch: repo.default_branch,
    });
    const pr = world.port.entities(BLUEPRINTS.pullRequest)[0];
    expect(pr?.relations.repository).toBe(pr?.identifier.replace(/-\d+$/, ""));
    expect(run.summary?.kinds.find((k) => k.kind === "repository")).toMatchObject({
      items: 20,
      entities: 20,
      failures: 0,
    });
    expect(run.summary?.failureCount).toBe(0);
    expect(world.port.resyncHistory("github-test").map((s) => s.state.status)).toEqual([
      "running",
      "completed",
    ]);
  });

  it("deletes exactly the entities of removed repositories on the next resync, and nothing of others", async () => {
    world = await startWorld();
    world.port.seed(BLUEPRINTS.repository, [{ identifier: "not-ours", title: "written by someone else" }]);
    await resync(world);
    const removed = world.github.org.removeRepos(3);
    const { run } = await resync(world);
    expect(run.status).toBe("completed");
    expect(world.actual()[BLUEPRINTS.repository]).toEqual(
      [...world.expected()[BLUEPRINTS.repository]!, "not-ours"].sort(),
    );
    expect(world.actual()[BLUEPRINTS.pullRequest]).toEqual(world.expected()[BLUEPRINTS.pullRequest]);
    for (const name of removed) expect(world.port.entity(BLUEPRINTS.repository, name)).toBeUndefined();
    expect(run.summary?.deleted[BLUEPRINTS.repository]).toBe(3);
  });

  it("deletes nothing when the source suddenly returns nothing (deletion threshold)", async () => {
    world = await startWorld();
    await resync(world);
    const before = world.actual();
    world.github.org.removeRepos(20);
    const { run } = await resync(world);
    expect(world.actual()[BLUEPRINTS.repository]).toEqual(before[BLUEPRINTS.repository]);
    expect(run.summary?.deletion.performed).toBe(false);
    expect(run.summary?.deletion.reason).toMatch(/entityDeletionThreshold/);
  });

  it("continues across invocations and ends identical to a run without continuations", async () => {
    world = await startWorld();
    // Each invocation may look at the clock 12 times (about a page each) before its time is up.
    const pagesPerInvocation = () => {
      let checks = 12;
      return () => (checks-- > 0 ? 60_000 : 0);
    };
    const { run } = await resync(world, { remainingTime: pagesPerInvocation, fanout: { marginMs: 1000 } });
    expect(run.continuations).toBeGreaterThanOrEqual(3);
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
  });

  it("refuses a second resync while one runs, unless told to supersede it", async () => {
    world = await startWorld({ github: { latencyMs: 20 } });
    const store = new MemoryRunStore();
    const first = resync(world, { store });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await expect(resync(world, { store })).rejects.toThrow(/still running/);
    const second = await resync(world, { store, supersede: true });
    const firstRun = await first;
    expect(firstRun.run.status).toBe("aborted");
    expect(second.run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
  });

  it("ends failed and deletes nothing when Port rejects entities for good", async () => {
    world = await startWorld();
    await resync(world);
    world.github.org.removeRepos(2);
    // A property whose value Port refuses: every repository upsert is a 422.
    world.port.state.store.blueprints.get(BLUEPRINTS.repository)!.schema.properties.stars = {
      type: "string",
    };
    const before = world.actual();
    const { run } = await resync(world);
    expect(run.status).toBe("failed");
    expect(run.summary?.failureCount).toBeGreaterThan(0);
    expect(run.summary?.failures[0]).toMatchObject({ kind: "repository", status: 422 });
    expect(run.summary?.failures[0]?.traceId).toBeTruthy();
    expect(run.summary?.deletion.performed).toBe(false);
    expect(world.actual()[BLUEPRINTS.repository]).toEqual(before[BLUEPRINTS.repository]);
  });

  it("sends only what changed on a resync of unchanged data, and everything when asked", async () => {
    world = await startWorld();
    const hashes = new MemoryContentHashes();
    await resync(world, { hashes });
    const entities = Object.values(world.expected()).flat().length;

    world.port.resetRequests();
    const { run } = await resync(world, { hashes });
    expect(run.summary?.failures).toEqual([]);
    expect(run.status).toBe("completed");
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
    expect(run.summary?.kinds.reduce((sum, k) => sum + k.unchanged, 0)).toBe(entities);
    expect(world.actual()).toEqual(world.expected());

    const [repo] = world.github.org.repoNames();
    const [pull] = world.github.org.pulls(repo!, "open") as Array<{ number: number }>;
    world.github.org.updatePull(repo!, pull!.number, { title: "a new title" });
    world.port.resetRequests();
    await resync(world, { hashes });
    expect(world.port.requestCount("bulkUpsert")).toBe(1);
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${pull!.number}`)?.title).toBe("a new title");

    world.port.resetRequests();
    const full = await resync(world, { hashes, fullRewrite: true });
    expect(full.run.summary?.kinds.reduce((sum, k) => sum + k.unchanged, 0)).toBe(0);
    expect(world.port.requestCount("bulkUpsert")).toBeGreaterThan(0);
  });

  it("forgets the content hash of a deleted entity, so it is written again if it comes back", async () => {
    world = await startWorld();
    const hashes = new MemoryContentHashes();
    await resync(world, { hashes });
    const [removed, kept] = world.github.org.repoNames();
    const known = await hashes.get("github-test", BLUEPRINTS.repository, [removed!, kept!]);
    expect([...known.keys()].sort()).toEqual([removed, kept].sort());
    world.github.org.removeRepo(removed!);
    await resync(world, { hashes });
    expect(world.port.entity(BLUEPRINTS.repository, removed!)).toBeUndefined();
    const after = await hashes.get("github-test", BLUEPRINTS.repository, [removed!, kept!]);
    expect([...after.keys()]).toEqual([kept]);
  });
});
