import { afterEach, describe, expect, it } from "vitest";
import { RetryLaterError } from "../../lib/http/index.ts";
import { type Cursor, enumerateKind, type Kind, type Page } from "../../lib/source/index.ts";
import { collect, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

type Item = { id: number; __repository: string };

let fake: GitHubFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(...args: Parameters<typeof githubFixture>) {
  const fixture = await githubFixture(...args);
  fake = fixture.fake;
  return fixture;
}

/** The same kind, watched: how many partitions page at once, and when the listing ended. */
function watch(kind: Kind) {
  const state = { active: 0, maxActive: 0, listed: false, pagesBeforeListed: 0 };
  const watched: Kind = {
    name: kind.name,
    async *partitions(options) {
      yield* kind.partitions?.(options) ?? [];
      state.listed = true;
    },
    async *pages(options) {
      state.active += 1;
      state.maxActive = Math.max(state.maxActive, state.active);
      try {
        for await (const page of kind.pages(options)) {
          if (!state.listed) state.pagesBeforeListed += 1;
          yield page;
        }
      } finally {
        state.active -= 1;
      }
    },
  };
  return { watched, state };
}

describe("enumerateKind", () => {
  it("yields every pull request of the org once, each partition's pages in order", async () => {
    const { fake, source } = await setup({
      repos: 40,
      pullsPerRepo: (i) => (i % 7 === 0 ? 130 : 3),
      seed: 51,
    });
    const byPartition = new Map<string, Page[]>();
    const result = await enumerateKind(source.kinds["pull-request"], {
      selector: { state: "all" },
      concurrency: 6,
      onPage: (page, partition) => {
        byPartition.set(partition as string, [...(byPartition.get(partition as string) ?? []), page]);
      },
    });
    expect([...byPartition.keys()].sort()).toEqual(fake.org.repoNames().sort());
    for (const [repo, pages] of byPartition) {
      expect(itemsOf(pages).map((pr) => (pr as Item).id)).toEqual(
        fake.org.pulls(repo, "all").map((pr) => pr.id),
      );
      expect(pages.at(-1)?.cursor).toBeNull();
    }
    const total = fake.org.repoNames().reduce((sum, repo) => sum + fake.org.pulls(repo, "all").length, 0);
    expect(result).toEqual({ items: total, partitions: 40, pages: 40 + 6 });
  });

  it("keeps at most `concurrency` partitions in flight, and starts them while the listing still pages", async () => {
    const { source } = await setup({ repos: 250, pullsPerRepo: 1, latencyMs: 20, seed: 52 });
    const { watched, state } = watch(source.kinds["pull-request"]);
    await enumerateKind(watched, { selector: { state: "all" }, concurrency: 5, onPage: () => {} });
    expect(state.maxActive).toBe(5);
    expect(state.pagesBeforeListed).toBeGreaterThan(0);
  });

  it("resumes from saved cursors and skips finished partitions, with no duplicate and no gap", async () => {
    const { fake, source } = await setup({ repos: 12, pullsPerRepo: (i) => (i < 3 ? 250 : 4), seed: 53 });
    const kind = source.kinds["pull-request"];
    const names = fake.org.repoNames();
    // A first run that got through two partitions and one page of a third, then stopped.
    const [done1, done2, half] = names.filter((n) => fake.org.pulls(n, "all").length === 250) as [
      string,
      string,
      string,
    ];
    const [firstPage] = await collect(kind.pages({ partition: half, selector: { state: "all" } }));
    const saved = new Map<string, Cursor | null>([
      [done1, null],
      [done2, null],
      [half, firstPage?.cursor ?? null],
    ]);
    const seen: number[] = [];
    const result = await enumerateKind(kind, {
      selector: { state: "all" },
      startAt: (partition) => saved.get(partition as string),
      onPage: (page) => {
        seen.push(...page.items.map((pr) => (pr as Item).id));
      },
    });
    const expected = names
      .filter((n) => n !== done1 && n !== done2)
      .flatMap((n) => fake.org.pulls(n, "all").slice(n === half ? 100 : 0))
      .map((pr) => pr.id);
    expect(seen.sort()).toEqual((expected as number[]).sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(result.partitions).toBe(10);
  });

  it("enumerates an unpartitioned kind, from a cursor too", async () => {
    const { fake, source } = await setup({ repos: 260, seed: 54 });
    const [first] = await collect(source.kinds.repository.pages());
    const ids: unknown[] = [];
    const result = await enumerateKind(source.kinds.repository, {
      startAt: () => first?.cursor,
      onPage: (page, partition) => {
        expect(partition).toBeUndefined();
        ids.push(...page.items.map((r) => (r as Item).id));
      },
    });
    expect(ids).toEqual(
      fake.org
        .repos()
        .slice(100)
        .map((r) => r.id),
    );
    expect(result).toEqual({ pages: 2, items: 160, partitions: 0 });
  });

  it("stops every partition and rethrows RetryLaterError unchanged when the rate limit runs out", async () => {
    const { fake, source } = await setup({ repos: 60, pullsPerRepo: 2, latencyMs: 5, seed: 55 });
    let pages = 0;
    const run = enumerateKind(source.kinds["pull-request"], {
      concurrency: 4,
      waitBudgetMs: 1_000,
      onPage: () => {
        if (++pages === 10) fake.exhaustRateLimit({ resetInMs: 60_000 });
      },
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).resumeAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(pages).toBeLessThan(60);
  });

  it("enumerates a partition listed twice only once, and passes an onPage failure through", async () => {
    const pagesOf: string[] = [];
    const kind: Kind = {
      name: "letters",
      async *partitions() {
        yield* ["a", "b", "a", "c"];
      },
      async *pages({ partition } = {}) {
        pagesOf.push(partition as string);
        yield { items: [partition], cursor: null };
      },
    };
    const result = await enumerateKind(kind, { concurrency: 2, onPage: () => {} });
    expect(pagesOf.sort()).toEqual(["a", "b", "c"]);
    expect(result).toEqual({ pages: 3, items: 3, partitions: 3 });
    const failing = enumerateKind(kind, {
      onPage: (_, partition) => {
        if (partition === "b") throw new Error("queue is full");
      },
    });
    await expect(failing).rejects.toThrow("queue is full");
  });
});
