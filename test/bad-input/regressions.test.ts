/**
 * Bad inputs that once slipped through (a run stuck, an item lost, an unclear message). Each
 * asserts the behaviour the issue asks for: a clear error naming what and where, no crash,
 * nothing lost, a failed run deletes nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DynamoRunStore } from "../../lib/aws/dynamodb-run-store.ts";
import { PortCatalog } from "../../lib/catalog/port-catalog.ts";
import { resyncLocal } from "../../lib/local/resync.ts";
import { ConfigError, compileResource, loadConfig } from "../../lib/mapping/index.ts";
import { ingest } from "../../lib/pipeline/ingest.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import type { Source } from "../../lib/source/types.ts";
import { newRun } from "../pipeline/run-store-contract.ts";
import { type LocalDynamo, startDynalite } from "../support/dynalite.ts";
import { INTEGRATION as GITHUB_INTEGRATION, startWorld, type World } from "../support/world.ts";
import {
  BLUEPRINT,
  enumerateRun,
  INTEGRATION,
  startThingWorld,
  THING_CONFIG,
  type ThingWorld,
  thingSummary,
  things,
  unaccounted,
} from "./harness.ts";

let world: ThingWorld | undefined;
let github: World | undefined;
let dynamo: LocalDynamo | undefined;
afterEach(async () => {
  await world?.close();
  await github?.close();
  await dynamo?.close();
  world = github = dynamo = undefined;
});

describe("known bugs (see the report for each fix)", () => {
  // lib/aws/run-table-codec.ts: runToItem/itemToRun do not carry `fullRewrite`, so in Lambda a
  // `{ fullRewrite: true }` resync skips unchanged entities and a manual edit in Port stays.
  it("the DynamoDB run store keeps a run's fullRewrite flag", async () => {
    dynamo = await startDynalite();
    const store = new DynamoRunStore({ client: dynamo.client, tableName: dynamo.tableName });
    await store.createRun(
      { ...newRun("20260101T000000Z-full00", INTEGRATION), fullRewrite: true },
      loadConfig(THING_CONFIG),
    );
    expect((await store.getRun("20260101T000000Z-full00"))?.fullRewrite).toBe(true);
  });

  // lib/pipeline/ingest.ts keeps a failed item's whole identifier as `item`; 50 of them of
  // 10,000 characters make the summary larger than DynamoDB's 400 KB item, the final
  // transition throws, and the run stays `reconciling` for good.
  it("hostile 10,000-character identifiers do not leave the run stuck in DynamoDB", async () => {
    dynamo = await startDynalite();
    world = await startThingWorld();
    const store = new DynamoRunStore({ client: dynamo.client, tableName: dynamo.tableName });
    world.pages = [
      [...things(3), ...Array.from({ length: 60 }, (_, i) => ({ id: `${i}-${"x".repeat(10_000)}` }))],
    ];
    const { run } = await resyncLocal({
      integrationId: INTEGRATION,
      config: world.config,
      source: thingSource(world),
      catalog: new PortCatalog(world.client, INTEGRATION),
      compile: compileResource,
      store,
      retryDelayMs: 1,
      maxReceiveCount: 2,
    });
    expect(run.status).toBe("failed");
    expect(run.summary?.failureCount).toBe(60);
    for (const failure of run.summary?.failures ?? [])
      expect(failure.item?.length ?? 0).toBeLessThanOrEqual(1_000);
  });

  // lib/pipeline/ingest.ts: a message that cannot be read is handed back, but never recorded
  // as failed, even on its last receive; its batch stays `sent` and the run never finishes.
  it("an unreadable message of a live run, on its last receive, fails the run instead of leaving it running", async () => {
    world = await startThingWorld();
    world.pages = [things(3), things(3, "b")];
    const { deps, messages, runId } = await enumerateRun(world);
    const [first, second] = messages;
    await ingest(deps, [
      { id: "good", body: JSON.stringify(first), receiveCount: 1 },
      { id: "poison", body: JSON.stringify({ ...second, v: 3 }), receiveCount: deps.maxReceiveCount },
    ]);
    const run = await deps.store.getRun(runId);
    expect(run?.status).toBe("failed");
    expect(run?.summary?.failures).toContainEqual(
      expect.objectContaining({
        batch: second?.parts[0]?.batch,
        message: expect.stringMatching(/message version 3 is not 1 or 2/),
      }),
    );
  });

  // lib/pipeline/ingest.ts ignores `mapped.skipped` (an identifier that maps to null or ""):
  // those items are in `items` but in no other count, so the summary does not add up.
  it("items whose identifier maps to nothing are counted in the summary", async () => {
    world = await startThingWorld();
    const run = await world.resyncWith([{ id: null, name: "no id" }, { id: "", name: "empty id" }, null]);
    expect(thingSummary(run).items).toBe(6);
    expect(unaccounted(thingSummary(run))).toBe(0);
  });

  // lib/port/upsert.ts trusts the identifier in Port's bulk reply over the one it sent, so a
  // reply naming another entity makes reconciliation delete the entity that was written.
  it("a bulk reply naming another identifier does not get the written entity deleted", async () => {
    world = await startThingWorld();
    world.pages = [things(4)];
    await world.resync();
    world.pages = [things(3, "ok", 2)];
    world.port.inject({
      route: "bulkUpsert",
      status: 200,
      afterWrite: true,
      body: {
        ok: true,
        entities: [0, 1, 2].map((index) => ({
          index,
          identifier: index ? `ok-${index + 1}` : "someone-else",
        })),
      },
    });
    await world.resync();
    expect(world.ids()).toContain("ok-1");
  });

  // lib/pipeline/pool.ts: when the partition listing throws, forEachConcurrent rejects without
  // waiting for the partitions already started; the run ends while they still write to Port.
  it("a partition listing that breaks midway still accounts for the partitions it started", async () => {
    world = await startThingWorld();
    const source: Source = {
      name: "things",
      kinds: {
        thing: {
          name: "thing",
          async *partitions() {
            yield* ["p", "q", "r"];
            throw new Error("the listing broke after three partitions");
          },
          async *pages(options = {}) {
            await new Promise((resolve) => setTimeout(resolve, 30));
            yield { items: things(2, options.partition), cursor: null };
          },
        },
      },
    };
    const run = await resync(world, source);
    const written = world.ids();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(world.ids()).toEqual(written);
    expect(thingSummary(run)).toMatchObject({ items: 6, entities: 6, failures: 1 });
  });

  // lib/pipeline/pack.ts: JSON.stringify of an item nested 20,000 deep throws RangeError in the
  // fanout; the whole page fails with "Maximum call stack size exceeded", its good items too.
  it("an item nested 20,000 levels deep fails alone, named; the rest of its page lands", async () => {
    world = await startThingWorld();
    let nest: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20_000; i++) nest = { d: nest };
    // In a field the mapping reads (`tags`): what it does not read never leaves the fanout.
    const run = await world.resyncWith([{ id: "deep", tags: nest }]);
    for (const n of [1, 2, 3]) expect(world.port.entity(BLUEPRINT, `ok-${n}`)?.title).toBe(`Thing ${n} v2`);
    expect(run.summary?.failures).toEqual([expect.objectContaining({ item: "deep" })]);
    expect(world.ids()).toContain("stale");
  });

  // lib/pipeline/reconcile.ts writes a failed delete as `bp/id: message`: Port's status and
  // trace id (which DeleteFailure carries) are dropped from the reason.
  it("a failed delete's reason carries Port's status and trace id", async () => {
    world = await startThingWorld();
    world.pages = [things(4)];
    await world.resync();
    world.pages = [things(3)];
    world.port.inject({
      route: "bulkDelete",
      status: 500,
      body: { ok: false, error: "internal_error", message: "db timeout" },
      times: 100,
    });
    const { run } = await world.resync();
    expect(run.status).toBe("failed");
    expect(run.summary?.deletion.reason).toMatch(/thing\/ok-4: db timeout .*500/);
    expect(run.summary?.deletion.reason).toMatch(/trace [0-9a-f]{32}/);
  });

  // lib/mapping/config.ts: yaml's toJS throws a ReferenceError on an alias bomb, which escapes
  // loadConfig untyped and without the file name.
  it("a YAML alias bomb is a ConfigError naming the file", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (const [i, name] of ["b", "c", "d", "e", "f", "g"].entries()) {
      const previous = i === 0 ? "a" : ["b", "c", "d", "e", "f"][i - 1];
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const error = (() => {
      try {
        return loadConfig(`${bomb.join("\n")}\nresources: []\n`, "port-app-config.yml");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^port-app-config\.yml: /);
  });

  // lib/source/github/kinds.ts reads `.name` of each listed repository without checking it:
  // a null in the list fails the partitioned kinds with a bare TypeError naming no request.
  it("a null in GitHub's repository list is reported with the request; the real repositories' pull requests sync", async () => {
    github = await startWorld({ github: { repos: 4, pullsPerRepo: 2, issuesPerRepo: 1, teams: 1, seed: 5 } });
    const g = github;
    g.github.inject({
      status: 200,
      match: /\/orgs\/acme\/repos$/,
      body: JSON.stringify([...g.github.org.repos(), null]),
      times: 100,
    });
    const { run } = await resyncLocal({
      integrationId: GITHUB_INTEGRATION,
      config: g.config,
      source: g.source,
      catalog: g.catalog,
      compile: g.compile,
      retryDelayMs: 1,
    });
    const pulls = run.summary?.kinds.find((k) => k.kind === "pull-request");
    expect(pulls?.entities).toBe(g.expected().githubPullRequest?.length);
    const failure = run.summary?.failures.find((f) => f.kind === "pull-request");
    expect(failure?.message).toMatch(/GET \/orgs\/acme\/repos/);
  });
  // lib/pipeline/fanout.ts handles RetryLaterError from a partition's pages (continue later)
  // but not from the partition listing itself: a secondary rate limit on GitHub's repository
  // list, longer than the invocation has left, fails the partitioned kinds and the run.
  it("a secondary rate limit on the repository listing makes the run continue later, not fail", async () => {
    github = await startWorld({ github: { repos: 4, pullsPerRepo: 2, issuesPerRepo: 1, teams: 1, seed: 5 } });
    const g = github;
    g.github.inject({
      status: 403,
      match: /\/orgs\/acme\/repos$/,
      headers: { "retry-after": "2" },
      message: "You have exceeded a secondary rate limit",
      times: 3,
    });
    const { run } = await resyncLocal({
      integrationId: GITHUB_INTEGRATION,
      config: g.config,
      source: g.source,
      catalog: g.catalog,
      compile: g.compile,
      retryDelayMs: 1,
      // 91 s per invocation with the default 90 s margin: one second to wait in, at most.
      invocationMs: 91_000,
    });
    expect(run.summary?.failures).toEqual([]);
    expect(run.status).toBe("completed");
    expect(run.continuations).toBeGreaterThanOrEqual(1);
    expect(g.actual()).toEqual(g.expected());
  });
});

function thingSource(w: ThingWorld): Source {
  return {
    name: "things",
    kinds: {
      thing: {
        name: "thing",
        async *pages() {
          for (const [i, items] of w.pages.entries())
            yield { items, cursor: i === w.pages.length - 1 ? null : i + 1 };
        },
      },
    },
  };
}

async function resync(w: ThingWorld, source: Source): Promise<RunRecord> {
  const { run } = await resyncLocal({
    integrationId: INTEGRATION,
    config: w.config,
    source,
    catalog: new PortCatalog(w.client, INTEGRATION),
    compile: compileResource,
    retryDelayMs: 1,
  });
  return run;
}
