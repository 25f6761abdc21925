import { afterEach, describe, expect, it } from "vitest";
import { RetryLaterError } from "../../lib/http/index.ts";
import type { Clock } from "../../lib/source/github/index.ts";
import type { Cursor, Kind } from "../../lib/source/index.ts";
import { collect, expectExactResume, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

let fake: GitHubFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Time that moves only when told or when the client sleeps. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.UTC(2026, 11, 1, 10);
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

async function setup(repos = 12) {
  const clock = manualClock();
  const fixture = await githubFixture({ repos, seed: 3, now: clock.now }, { http: { clock } });
  fake = fixture.fake;
  clock.advance(60_000);
  return { ...fixture, clock, since: new Date(clock.now() - 30_000).toISOString() };
}

/** The kind's `changes`, which these kinds all have. */
function changesOf(kind: Kind): NonNullable<Kind["changes"]> {
  if (!kind.changes) throw new Error(`kind ${kind.name} lists no changes`);
  return kind.changes.bind(kind);
}

const key = (item: unknown) => {
  const i = item as { id: number; __repository?: string };
  return `${i.__repository ?? ""}#${i.id}`;
};

describe("the changes of GitHub kinds", () => {
  it("repository: updated or pushed to since the cutoff, each once, in the selected repository type", async () => {
    const { fake, source, since } = await setup(30);
    const names = fake.org.repoNames();
    fake.org.renameRepo(names[2] as string, "renamed");
    fake.org.pushToRepo(names[9] as string);
    fake.org.pushToRepo("renamed"); // updated and pushed: still once
    const changed = itemsOf(await collect(changesOf(source.kinds.repository)(since)));
    expect(changed.map((r) => (r as { name: string }).name).sort()).toEqual(["renamed", names[9]].sort());
    const visibility = (name: string) =>
      (fake.org.repos().find((r) => r.name === name) as { visibility: string }).visibility;
    const publicOnly = itemsOf(
      await collect(changesOf(source.kinds.repository)(since, { selector: { repositoryType: "public" } })),
    );
    expect(publicOnly.map((r) => (r as { name: string }).name).sort()).toEqual(
      ["renamed", names[9] as string].filter((n) => visibility(n) === "public").sort(),
    );
  });

  it("pull-request: search results fetched as the full listing has them, in the selector's state; resumable", async () => {
    const { fake, source, since } = await setup();
    const [a, b] = fake.org.repoNames() as [string, string];
    const added = fake.org.addPulls(a, 110);
    const closed = (fake.org.pulls(b, "open")[0] as { number: number }).number;
    fake.org.updatePull(b, closed, { state: "closed" });
    const kind = source.kinds["pull-request"];
    const { pages, resumes } = await expectExactResume(
      (cursor?: Cursor) => changesOf(kind)(since, { selector: { state: "open" }, cursor }),
      key,
    );
    expect(resumes).toBeGreaterThanOrEqual(1);
    const items = itemsOf(pages) as Array<{ number: number; head?: unknown; __repository: string }>;
    expect(items.map((p) => p.number).sort((x, y) => x - y)).toEqual(added);
    expect(items.every((p) => p.head !== undefined && p.__repository === a)).toBe(true);
    const all = itemsOf(await collect(changesOf(kind)(since, { selector: { state: "all" } })));
    expect(all).toHaveLength(111);
    expect(fake.search.queries.at(-1)).toBe(`org:${fake.org.login} is:pr updated:>=${since.slice(0, 19)}Z`);
  });

  it("issue: the per-repository fallback resumes exactly from any of its pages", async () => {
    const { fake, source, since } = await setup();
    const names = fake.org.repoNames();
    for (const name of names.slice(0, 5)) fake.org.addIssues(name, 3);
    fake.search.incomplete = 1_000;
    const { pages, resumes } = await expectExactResume(
      (cursor?: Cursor) => changesOf(source.kinds.issue)(since, { cursor }),
      key,
    );
    expect(itemsOf(pages)).toHaveLength(15);
    expect(resumes).toBeGreaterThanOrEqual(12);
  });

  it("issue: the fallback skips a repository GitHub blocked, and fails on any other refusal", async () => {
    const { fake, source, since } = await setup();
    const [a, blocked] = fake.org.repoNames() as [string, string];
    fake.org.addIssues(a, 2);
    fake.org.blockRepo(blocked);
    fake.search.incomplete = 1_000;
    const changes = changesOf(source.kinds.issue);
    expect(itemsOf(await collect(changes(since)))).toHaveLength(2);
    fake.inject({
      status: 403,
      match: new RegExp(`/repos/[^/]+/${a}/issues$`),
      message: "Resource not accessible",
    });
    await expect(collect(changes(since))).rejects.toMatchObject({ status: 403 });
  });

  it("search has its own rate limit: once spent, only search waits (or asks to come back later)", async () => {
    const { fake, source, since } = await setup();
    fake.search.perMinute = 1;
    const kind = source.kinds["pull-request"];
    await collect(changesOf(kind)(since));
    const later = collect(changesOf(kind)(since, { waitBudgetMs: 1_000 }));
    await expect(later).rejects.toBeInstanceOf(RetryLaterError);
    // The core limit is another: listings go on at once.
    expect(itemsOf(await collect(source.kinds.repository.pages({ waitBudgetMs: 0 })))).toHaveLength(12);
    // With budget enough, search waits for its reset and answers.
    expect(await collect(changesOf(kind)(since, { waitBudgetMs: 120_000 }))).toHaveLength(1);
  });
});
