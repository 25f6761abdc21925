import { afterEach, describe, expect, it } from "vitest";
import { MemoryContentHashes } from "../../lib/local/memory-content-hashes.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import { DEFAULT_FANOUT_OPTIONS, runFanout } from "../../lib/pipeline/fanout.ts";
import { ingest } from "../../lib/pipeline/ingest.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";
import { RunMappers } from "../../lib/pipeline/mappers.ts";
import type { IngestMessage } from "../../lib/pipeline/message.ts";
import { sourceSecondLook } from "../../lib/pipeline/second-look.ts";
import { githubDefaults } from "../../lib/source/github/defaults.ts";
import { createGitHubSource } from "../../lib/source/github/index.ts";
import { shiftingListing } from "../support/shifting-listing.ts";
import { BLUEPRINTS, INTEGRATION, resyncWorld, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const resync = resyncWorld;

/** The default mapping with a few lines changed, as a user's port-app-config would. */
async function configWith(change: (text: string) => string): Promise<string> {
  return change(await githubDefaults.portAppConfig());
}

/** Repositories that are not archived only: archived ones become placeholders of their pull requests. */
const activeReposOnly = (text: string) => text.replace('query: "true"', 'query: ".archived == false"');

describe("reconciliation never deletes what is live", () => {
  it("keeps placeholders that kept entities relate to, across three runs (required relation, deleteDependentEntities)", async () => {
    world = await startWorld({
      github: { repos: 30, seed: 8, pullsPerRepo: 3, issuesPerRepo: 0 },
      configText: await configWith(activeReposOnly),
    });
    const relation = world.port.state.store.blueprints.get(BLUEPRINTS.pullRequest)?.relations.repository;
    if (!relation) throw new Error("the pull request blueprint has no repository relation");
    relation.required = true;
    const archived = world.github.org
      .repos()
      .filter((r) => r.archived === true)
      .map((r) => r.name as string);
    const pullsOf = (repo: string) =>
      world!.github.org.pulls(repo, "open").map((p) => `${repo}-${(p as { number: number }).number}`);
    const archivedPulls = archived.flatMap(pullsOf);
    expect(archivedPulls.length).toBeGreaterThan(2);
    const hashes = new MemoryContentHashes();

    for (const runNumber of [1, 2, 3]) {
      const { run } = await resync(world, { hashes });
      expect(run.status, `run ${runNumber}`).toBe("completed");
      for (const repo of archived) {
        if (pullsOf(repo).length === 0) continue;
        expect(
          world.port.entity(BLUEPRINTS.repository, repo),
          `run ${runNumber}: placeholder ${repo}`,
        ).toBeDefined();
      }
      for (const pull of archivedPulls) {
        const entity = world.port.entity(BLUEPRINTS.pullRequest, pull);
        expect(entity, `run ${runNumber}: ${pull}`).toBeDefined();
        expect(entity?.relations.repository).toBe(pull.replace(/-\d+$/, ""));
      }
      expect(run.summary?.deleted).toEqual({});
      expect(run.summary?.deletion.protected).toBeGreaterThan(0);
    }

    // Once an archived repository's pull requests are all closed, nothing relates to its
    // placeholder any more: both go.
    const [repo] = archived.filter((r) => pullsOf(r).length > 0);
    for (const pull of world.github.org.pulls(repo!, "open") as Array<{ number: number }>) {
      world.github.org.updatePull(repo!, pull.number, { state: "closed" });
    }
    const { run } = await resync(world, { hashes });
    expect(run.status).toBe("completed");
    expect(world.port.entity(BLUEPRINTS.repository, repo!)).toBeUndefined();
    expect(
      world.port.entities(BLUEPRINTS.pullRequest).filter((e) => e.identifier.startsWith(`${repo}-`)),
    ).toEqual([]);
  });

  it("does not delete a live repository that a shifting listing skipped (deleted between two page reads)", async () => {
    world = await startWorld({ github: { repos: 120, pullsPerRepo: 1, issuesPerRepo: 0, teams: 2 } });
    await resync(world);
    const names = world.github.org.repoNames();
    const victim = names[10] as string;
    // Page 2 starts one item later once a repository of page 1 is gone: this one is skipped.
    const skipped = names[100] as string;
    const source = createGitHubSource({
      org: world.github.org.login,
      apiUrl: world.github.url,
      token: world.github.token,
      http: {
        retry: { baseDelayMs: 5, maxDelayMs: 50 },
        dispatcher: shiftingListing(() => world?.github.org.removeRepo(victim)),
      },
    });
    const { run } = await resync(world, { source });
    expect(run.status).toBe("completed");
    expect(world.port.entity(BLUEPRINTS.repository, skipped)).toBeDefined();
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${skipped}-1`)).toBeDefined();
    // Whichever listing the shift hit (repositories, or the partitions of pull requests).
    expect(run.summary?.deletion.unconfirmed).toBeGreaterThan(0);
    // The victim was read on page 1 before it went: the next run deletes it, and only it.
    const next = await resync(world);
    expect(next.run.summary?.deleted[BLUEPRINTS.repository]).toBe(1);
    expect(world.port.entity(BLUEPRINTS.repository, victim)).toBeUndefined();
    expect(world.actual()).toEqual(world.expected());
  });

  // Without knowing where a pull request was last listed, any of them may have been in the
  // blocked repository: all absent pull requests wait for a run that can read it.
  it.each([
    ["knowing where each was last listed (content hashes), deletes the removed one's", true],
    ["not knowing where each was last listed, keeps every absent one", false],
  ])("keeps the pull requests of a repository GitHub blocked; %s", async (_, withHashes) => {
    world = await startWorld({ github: { repos: 12, pullsPerRepo: 2, issuesPerRepo: 0, teams: 1, seed: 5 } });
    const hashes = withHashes ? { hashes: new MemoryContentHashes() } : {};
    await resync(world, hashes);
    const pullsIn = (repo: string) =>
      world!.port.entities(BLUEPRINTS.pullRequest).filter((e) => e.identifier.startsWith(`${repo}-`));
    // Two repositories with open pull requests (the others' are closed or merged).
    const [blocked, removed] = world.github.org.repoNames().filter((n) => pullsIn(n).length > 0) as [
      string,
      string,
    ];
    const blockedPulls = pullsIn(blocked).map((e) => e.identifier);
    expect(blockedPulls.length).toBeGreaterThan(0);
    const removedBefore = pullsIn(removed).length;

    world.github.org.blockRepo(blocked, 451);
    world.github.org.removeRepo(removed);
    const { run } = await resync(world, hashes);

    expect(run.status).toBe("completed");
    // Blocked: still listed, its pull requests unreadable, so unknown rather than gone.
    expect(pullsIn(blocked).map((e) => e.identifier)).toEqual(blockedPulls);
    expect(world.port.entity(BLUEPRINTS.repository, blocked)).toBeDefined();
    // Removed: gone from the listing and its pull requests 404. Its repository entity goes with
    // them, or stays as long as kept pull requests relate to it.
    const removedPulls = pullsIn(removed).length;
    expect(world.port.entity(BLUEPRINTS.repository, removed) !== undefined).toBe(removedPulls > 0);
    expect(removedPulls).toBe(withHashes ? 0 : removedBefore);
    expect(run.summary?.deletion.unconfirmed).toBe(blockedPulls.length + removedPulls);
  });

  it("writes again in the same run an entity deleted in Port by hand, whose content hash says unchanged", async () => {
    world = await startWorld();
    const hashes = new MemoryContentHashes();
    await resync(world, { hashes });
    const [pull] = world.port.entities(BLUEPRINTS.pullRequest);
    const [team] = world.port.entities(BLUEPRINTS.team);
    const before = { ...pull!, updatedAt: undefined, createdAt: undefined };
    world.port.state.store.delete(BLUEPRINTS.pullRequest, [pull!.identifier], false);
    world.port.state.store.delete(BLUEPRINTS.team, [team!.identifier], false);
    const { run } = await resync(world, { hashes });
    expect(run.status).toBe("completed");
    expect(run.summary?.deletion.repaired).toBe(2);
    expect(world.actual()).toEqual(world.expected());
    const after = world.port.entity(BLUEPRINTS.pullRequest, pull!.identifier);
    expect({ ...after, updatedAt: undefined, createdAt: undefined }).toEqual(before);
    // The hash is fresh: the next run finds it unchanged and sends nothing.
    world.port.resetRequests();
    await resync(world, { hashes });
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
  });
});

describe("the deletion threshold, per blueprint", () => {
  it("deletes the 1 of 1 pull request that was merged (a handful is not judged), and a held blueprint holds only itself", async () => {
    world = await startWorld({
      github: {
        repos: 20,
        pullsPerRepo: 1,
        issuesPerRepo: 0,
        pullState: (repo) => (repo === 0 ? "open" : "merged"),
      },
    });
    await resync(world);
    expect(world.port.entities(BLUEPRINTS.pullRequest)).toHaveLength(1);
    const [repo] = world.github.org.repoNames().filter((r) => world!.github.org.pulls(r, "open").length > 0);
    const [open] = world.github.org.pulls(repo!, "open") as Array<{ number: number }>;
    world.github.org.updatePull(repo!, open!.number, { merged: true });
    const { run } = await resync(world);
    expect(run.status).toBe("completed");
    expect(world.port.entities(BLUEPRINTS.pullRequest)).toEqual([]);
    expect(run.summary?.deleted[BLUEPRINTS.pullRequest]).toBe(1);

    // Every repository but one disappears: 19 of 20 is held back; the teams still reconcile.
    const reposBefore = world.actual()[BLUEPRINTS.repository];
    world.github.org.removeRepos(19);
    const [team] = world.port.entities(BLUEPRINTS.team);
    world.port.state.store.upsert(
      world.port.state.store.blueprints.get(BLUEPRINTS.team)!,
      { identifier: "gone-team", title: "a team removed from GitHub" },
      {
        merge: true,
        upsert: true,
        createMissingRelatedEntities: false,
        datasource: team!.datasource,
        actor: "test",
        now: new Date().toISOString(),
      },
    );
    const held = await resync(world);
    expect(held.run.status).toBe("completed");
    expect(world.actual()[BLUEPRINTS.repository]).toEqual(reposBefore);
    expect(world.port.entity(BLUEPRINTS.team, "gone-team")).toBeUndefined();
    expect(held.run.summary?.deletion.held).toEqual([
      {
        blueprint: BLUEPRINTS.repository,
        reason: expect.stringMatching(/19 of 20 githubRepository.*entityDeletionThreshold/),
      },
    ]);
    expect(held.run.summary?.deletion.performed).toBe(false);
    expect(held.run.summary?.deleted[BLUEPRINTS.team]).toBe(1);
  });
});

describe("entities whose related entity is missing (404 not_found, createMissingRelatedEntities off)", () => {
  /** A run enumerated into memory: its messages, to ingest in the order a test chooses. */
  async function enumerated(w: World) {
    const store = new MemoryRunStore();
    const messages: IngestMessage[] = [];
    const mappers = new RunMappers(store, w.compile);
    const finish = {
      store,
      catalog: w.catalog,
      log: silentLogger,
      look: sourceSecondLook({ source: () => w.source, mappers }),
    };
    const result = await runFanout(
      {
        ...finish,
        integrationId: INTEGRATION,
        config: w.config,
        source: w.source,
        queue: { send: async (batch) => void messages.push(...batch) },
        invoker: { continueFanout: async () => {} },
        options: { ...DEFAULT_FANOUT_OPTIONS, marginMs: 0 },
        remainingMs: () => 15 * 60_000,
      },
      { type: "start", trigger: "manual", kinds: ["repository", "pull-request"] },
    );
    if (result.outcome !== "enumerated") throw new Error(`fanout: ${result.outcome}`);
    const deps = { ...finish, mappers, maxReceiveCount: 3 };
    const deliver = (kind: string) =>
      ingest(
        deps,
        messages
          .filter((m) => m.kind === kind)
          .map((m, i) => ({ id: `${kind}-${i}`, body: JSON.stringify(m), receiveCount: 1 })),
      );
    return { store, runId: result.run.runId, deliver };
  }
  const noPlaceholders = (text: string) =>
    text.replace("createMissingRelatedEntities: true", "createMissingRelatedEntities: false");

  it("are upserted again once the rest of the run is written, targets first, and do not fail the run", async () => {
    world = await startWorld({
      github: { repos: 5, pullsPerRepo: 2, issuesPerRepo: 0, teams: 1, pullState: () => "open" },
      configText: await configWith(noPlaceholders),
    });
    const { store, runId, deliver } = await enumerated(world);
    // Pull requests first: their repositories are not in Port yet.
    const pulls = await deliver("pull-request");
    expect(pulls.failures).toBe(0);
    expect(world.port.entities(BLUEPRINTS.pullRequest)).toEqual([]);
    expect((await store.getRun(runId))?.status).toBe("running");
    await deliver("repository");
    const run = await store.getRun(runId);
    expect(run?.status).toBe("completed");
    expect(run?.summary?.failureCount).toBe(0);
    expect(run?.summary?.deletion.retried).toBe(10);
    expect(run?.summary?.kinds.find((k) => k.kind === "pull-request")?.entities).toBe(10);
    expect(world.actual()[BLUEPRINTS.pullRequest]).toEqual(world.expected()[BLUEPRINTS.pullRequest]);
    for (const pull of world.port.entities(BLUEPRINTS.pullRequest)) {
      expect(pull.relations.repository).toBe(pull.identifier.replace(/-\d+$/, ""));
    }
  });

  it("count as failures when the target never arrives, and the run then deletes nothing", async () => {
    const missing = "left-out";
    world = await startWorld({
      github: { repos: 5, pullsPerRepo: 2, issuesPerRepo: 0, teams: 1, pullState: () => "open" },
      configText: await configWith((text) =>
        noPlaceholders(text).replace('query: "true"', `query: '.name != "${missing}"'`),
      ),
    });
    world.github.org.renameRepo(world.github.org.repoNames()[0]!, missing);
    const { store, runId, deliver } = await enumerated(world);
    await deliver("pull-request");
    await deliver("repository");
    const run = await store.getRun(runId);
    expect(run?.status).toBe("failed");
    expect(run?.summary?.failureCount).toBe(2);
    expect(run?.summary?.failures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "pull-request",
          status: 404,
          code: "not_found",
          message: expect.stringContaining(missing),
        }),
      ]),
    );
    expect(run?.summary?.deletion.performed).toBe(false);
    expect(run?.summary?.deletion.retried).toBe(8);
  });
});
