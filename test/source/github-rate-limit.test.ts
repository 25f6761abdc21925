import { afterEach, describe, expect, it } from "vitest";
import { type RetryEvent, RetryLaterError } from "../../lib/http/index.ts";
import { type Clock, GitHubPause } from "../../lib/source/github/index.ts";
import { SourceHttpError } from "../../lib/source/index.ts";
import { collect, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

let fake: GitHubFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Time that moves only when the client sleeps: a 60-second wait costs nothing. */
function manualClock(): Clock & { slept: number[] } {
  let now = Date.now();
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

async function setup(
  options: { retry?: Record<string, number>; maxConcurrency?: number; latencyMs?: number } = {},
) {
  const retries: RetryEvent[] = [];
  const clock = manualClock();
  const fixture = await githubFixture(
    { repos: 120, seed: 21, now: clock.now, latencyMs: options.latencyMs },
    {
      http: {
        retry: { baseDelayMs: 5, ...options.retry },
        onRetry: (e) => retries.push(e),
        clock,
        maxConcurrency: options.maxConcurrency,
      },
    },
  );
  fake = fixture.fake;
  return { ...fixture, retries, clock };
}

describe("secondary rate limits", () => {
  it.each([403, 429] as const)(
    "without retry-after (%i): waits a whole minute, never retries at once, then goes on",
    async (status) => {
      const { fake, source, retries, clock } = await setup();
      fake.secondaryLimit({ retryAfterSec: null, status });
      const items = itemsOf(await collect(source.kinds.repository.pages({ waitBudgetMs: 600_000 })));
      expect(items).toHaveLength(120);
      expect(retries).toEqual([
        expect.objectContaining({ status, delayMs: 60_000, path: `/orgs/${fake.org.login}/repos` }),
      ]);
      expect(clock.slept).toEqual([60_000]);
      expect(fake.stats.byStatus).toEqual({ 200: 2, [status]: 1 });
    },
  );

  it("backs off exponentially while the limit keeps answering: 1, 2, 4 minutes", async () => {
    const { fake, source, clock } = await setup();
    fake.secondaryLimit({ retryAfterSec: null, times: 3 });
    const items = itemsOf(await collect(source.kinds.repository.pages({ waitBudgetMs: 3_600_000 })));
    expect(items).toHaveLength(120);
    expect(clock.slept).toEqual([60_000, 120_000, 240_000]);
  });

  it("starts the backoff anew after a success", async () => {
    const { fake, source, clock } = await setup();
    fake.secondaryLimit({ retryAfterSec: null, times: 1 });
    await collect(source.kinds.team.pages({ waitBudgetMs: 600_000 }));
    fake.secondaryLimit({ retryAfterSec: null, times: 1 });
    await collect(source.kinds.team.pages({ waitBudgetMs: 600_000 }));
    expect(clock.slept).toEqual([60_000, 60_000]);
  });

  it("waits as long as retry-after says when GitHub says it", async () => {
    const { fake, source, retries, clock } = await setup();
    fake.secondaryLimit({ times: 1, retryAfterSec: 7 });
    const items = itemsOf(await collect(source.kinds.repository.pages({ waitBudgetMs: 60_000 })));
    expect(items).toHaveLength(120);
    expect(retries).toEqual([expect.objectContaining({ status: 403, delayMs: 7_000 })]);
    expect(clock.slept).toEqual([7_000]);
  });

  it("a wait past the budget says resume a minute later, without a second request", async () => {
    const { fake, source, clock } = await setup();
    fake.secondaryLimit({ retryAfterSec: null, status: 429 });
    const before = clock.now();
    const error = await collect(source.kinds.repository.pages({ waitBudgetMs: 30_000 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).status).toBe(429);
    expect((error as RetryLaterError).resumeAt.getTime()).toBe(before + 60_000);
    expect(fake.stats.requests).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it("pauses every request of the source, whatever the kind, until the limit ends", async () => {
    const { fake, source, clock } = await setup();
    fake.secondaryLimit({ retryAfterSec: null, match: /\/repos$/ });
    await expect(collect(source.kinds.repository.pages({ waitBudgetMs: 10_000 }))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    const requests = fake.stats.requests;
    // Teams were not limited, but GitHub counts requests made during a limit: none is sent.
    const error = await collect(source.kinds.team.pages({ waitBudgetMs: 10_000 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(fake.stats.requests).toBe(requests);
    // With budget enough, the team listing waits out the rest of the pause, then goes on.
    const teams = itemsOf(await collect(source.kinds.team.pages({ waitBudgetMs: 120_000 })));
    expect(teams.length).toBeGreaterThan(0);
    expect(clock.slept).toEqual([60_000]);
  });

  it("a late answer to a request sent before the pause ended does not double the next pause", async () => {
    const clock = manualClock();
    const pause = new GitHubPause(clock);
    const sent = clock.now();
    expect(pause.secondary(60, 403, sent)).toBe(60_000);
    await pause.wait("/x", Number.POSITIVE_INFINITY);
    // Sent with the first, answered only now that the pause is over: the same limit, not a new one.
    expect(pause.secondary(60, 403, sent)).toBe(60_000);
    await pause.wait("/x", Number.POSITIVE_INFINITY);
    // Sent after the pause and limited again: GitHub's "back off exponentially".
    expect(pause.secondary(60, 403, clock.now())).toBe(120_000);
  });

  it("GitHub's points a minute spent: waits for the minute to end, as often as it takes, then goes on", async () => {
    const clock = manualClock();
    const fixture = await githubFixture(
      { repos: 1_000, seed: 21, now: clock.now, pointsPerMinute: 3 },
      { http: { clock } },
    );
    fake = fixture.fake;
    const items = itemsOf(await collect(fixture.source.kinds.repository.pages({ waitBudgetMs: 600_000 })));
    expect(items).toHaveLength(1_000);
    // Ten pages at three a minute: three minutes of waiting, each page answered 200 once.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3 * 60_000);
    expect(fake.stats.byStatus[200]).toBe(10);
    expect(fake.stats.byStatus[403]).toBe(3);
  });
});

describe("primary rate limit (x-ratelimit-remaining: 0)", () => {
  it.each([403, 429] as const)("waits until a second after the reset (%i)", async (status) => {
    const { fake, source, retries, clock } = await setup();
    const before = clock.now();
    fake.exhaustRateLimit({ resetInMs: 30_000, status });
    const items = itemsOf(await collect(source.kinds.repository.pages({ waitBudgetMs: 600_000 })));
    expect(items).toHaveLength(120);
    expect(retries).toHaveLength(1);
    // x-ratelimit-reset is in whole epoch seconds; Octokit's rule adds one second.
    expect(clock.now()).toBeGreaterThanOrEqual(before + 31_000);
    expect(clock.now()).toBeLessThanOrEqual(before + 32_000);
    expect(fake.stats.byStatus[status]).toBe(1);
  });

  it("says resume at the reset when the reset is past the budget, and stops asking meanwhile", async () => {
    const { fake, source, clock } = await setup();
    const before = clock.now();
    fake.exhaustRateLimit({ resetInMs: 120_000 });
    const error = await collect(source.kinds.repository.pages({ waitBudgetMs: 5_000 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLaterError);
    const resumeAt = (error as RetryLaterError).resumeAt.getTime();
    expect(resumeAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(resumeAt).toBeLessThanOrEqual(before + 122_000);
    const requests = fake.stats.requests;
    await expect(collect(source.kinds.team.pages({ waitBudgetMs: 5_000 }))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect(fake.stats.requests).toBe(requests);
  });
});

describe("concurrency", () => {
  const pullsOfEveryRepo = async (source: Awaited<ReturnType<typeof setup>>["source"], repos: string[]) =>
    Promise.all(repos.map((partition) => collect(source.kinds["pull-request"].pages({ partition }))));

  it("keeps at most GITHUB_MAX_CONCURRENCY requests in flight", async () => {
    const { fake, source } = await setup({ maxConcurrency: 3, latencyMs: 20 });
    await pullsOfEveryRepo(source, fake.org.repoNames().slice(0, 24));
    expect(fake.stats.maxInFlight).toBe(3);
  });

  it("defaults to 10 in flight, as Octokit and Ocean", async () => {
    const { fake, source } = await setup({ latencyMs: 150 });
    await pullsOfEveryRepo(source, fake.org.repoNames().slice(0, 40));
    expect(fake.stats.maxInFlight).toBe(10);
  });
});

describe("server errors", () => {
  it("retries 5xx with backoff and yields every item once", async () => {
    const { fake, source } = await setup();
    fake.inject({ status: 502, times: 2 });
    fake.inject({ status: 503, times: 1, match: /\/organizations\/\d+\/repos/ });
    const items = itemsOf(await collect(source.kinds.repository.pages()));
    expect(new Set(items.map((r) => (r as { id: number }).id)).size).toBe(120);
    expect(fake.stats.byStatus).toEqual({ 200: 2, 502: 2, 503: 1 });
  });

  it("reports a 5xx that outlasts the retries with status, path and request id", async () => {
    const { fake, source } = await setup({ retry: { maxAttempts: 2 } });
    fake.inject({ status: 500, times: 2, message: "boom" });
    const error = await collect(source.kinds.team.pages()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as Error).message).toMatch(
      /GET \/orgs\/acme\/teams answered 500: boom \(request id FAKE:\d+\)/,
    );
    expect(fake.stats.byStatus).toEqual({ 500: 2 });
  });

  it("does not retry a plain 403 (a missing permission)", async () => {
    const { fake, source, retries } = await setup();
    fake.inject({ status: 403, message: "Resource not accessible by integration" });
    const error = await collect(source.kinds.team.pages()).catch((e: unknown) => e);
    expect((error as SourceHttpError).status).toBe(403);
    expect((error as Error).message).toContain("Resource not accessible by integration");
    expect(retries).toEqual([]);
    expect(fake.stats.requests).toBe(1);
  });
});
