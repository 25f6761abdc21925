import { afterEach, describe, expect, it } from "vitest";
import { type RetryEvent, RetryLaterError } from "../../lib/http/index.ts";
import { SourceHttpError } from "../../lib/source/index.ts";
import { collect, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

let fake: GitHubFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(retry: Record<string, number> = {}) {
  const retries: RetryEvent[] = [];
  const fixture = await githubFixture(
    { repos: 120, seed: 21 },
    { http: { retry: { baseDelayMs: 5, maxDelayMs: 50, ...retry }, onRetry: (e) => retries.push(e) } },
  );
  fake = fixture.fake;
  return { ...fixture, retries };
}

describe("secondary rate limits (403 or 429 with retry-after)", () => {
  it("waits as long as retry-after says, then goes on", async () => {
    const { fake, source, retries } = await setup();
    fake.secondaryLimit({ times: 1, retryAfterSec: 1 });
    const items = itemsOf(await collect(source.kinds.repository.pages({ waitBudgetMs: 5_000 })));
    expect(items).toHaveLength(120);
    expect(retries).toEqual([
      expect.objectContaining({ status: 403, delayMs: 1000, path: `/orgs/${fake.org.login}/repos` }),
    ]);
    expect(fake.stats.byStatus).toEqual({ 200: 2, 403: 1 });
  });

  it("throws RetryLaterError out of pages() when retry-after exceeds the budget", async () => {
    const { fake, source } = await setup();
    fake.secondaryLimit({ times: 1, retryAfterSec: 30, status: 429 });
    const before = Date.now();
    const error = await collect(source.kinds.repository.pages({ waitBudgetMs: 2_000 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLaterError);
    const { resumeAt, status } = error as RetryLaterError;
    expect(status).toBe(429);
    expect(resumeAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(resumeAt.getTime()).toBeLessThanOrEqual(Date.now() + 30_000);
    expect((error as Error).message).toMatch(/resume at \d{4}-/);
  });
});

describe("primary rate limit (x-ratelimit-remaining: 0)", () => {
  it.each([403, 429] as const)("waits for the reset when it fits the budget (%i)", async (status) => {
    const { fake, source, retries } = await setup();
    fake.exhaustRateLimit({ resetInMs: 1_000, status });
    const before = Date.now();
    const items = itemsOf(await collect(source.kinds.repository.pages({ waitBudgetMs: 10_000 })));
    expect(items).toHaveLength(120);
    expect(retries).toHaveLength(1);
    // The wait is the time to the advertised reset (whole epoch seconds), not a guess.
    const resetAt = before + (retries[0]?.delayMs ?? 0);
    expect(resetAt).toBeGreaterThanOrEqual(before + 1_000 - 50);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(2_100);
    expect(fake.stats.byStatus[status]).toBe(1);
  });

  it("says resume at the reset when the reset is past the budget, and stops asking meanwhile", async () => {
    const { fake, source } = await setup();
    const before = Date.now();
    fake.exhaustRateLimit({ resetInMs: 120_000 });
    const error = await collect(source.kinds.repository.pages({ waitBudgetMs: 5_000 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryLaterError);
    const resumeAt = (error as RetryLaterError).resumeAt.getTime();
    expect(resumeAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(resumeAt).toBeLessThanOrEqual(Date.now() + 121_000);
    // The client remembers the spent window: the next call does not even reach GitHub.
    const requests = fake.stats.requests;
    await expect(collect(source.kinds.team.pages({ waitBudgetMs: 5_000 }))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect(fake.stats.requests).toBe(requests);
  });

  it("says resume at the reset, rather than failing, when the wait outlasts the retries", async () => {
    const { fake, source } = await setup({ maxTotalWaitMs: 1_000 });
    fake.exhaustRateLimit({ resetInMs: 60_000 });
    await expect(collect(source.kinds.repository.pages())).rejects.toBeInstanceOf(RetryLaterError);
  });
});

describe("server errors", () => {
  it("retries 5xx with backoff and yields every item once", async () => {
    const { fake, source, retries } = await setup();
    fake.inject({ status: 502, times: 2 });
    fake.inject({ status: 503, times: 1, match: /\/organizations\/\d+\/repos/ });
    const items = itemsOf(await collect(source.kinds.repository.pages()));
    expect(new Set(items.map((r) => (r as { id: number }).id)).size).toBe(120);
    expect(retries.map((r) => r.status)).toEqual([502, 502, 503]);
  });

  it("reports a 5xx that outlasts the retries with status, path and request id", async () => {
    const { fake, source } = await setup({ maxAttempts: 2 });
    fake.inject({ status: 500, times: 2, message: "boom" });
    const error = await collect(source.kinds.team.pages()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as Error).message).toMatch(
      /GET \/orgs\/acme\/teams answered 500: boom \(request id FAKE:\d+\)/,
    );
  });

  it("does not retry a plain 403 (a missing permission)", async () => {
    const { fake, source, retries } = await setup();
    fake.inject({ status: 403, message: "Resource not accessible by integration" });
    const error = await collect(source.kinds.team.pages()).catch((e: unknown) => e);
    expect((error as SourceHttpError).status).toBe(403);
    expect((error as Error).message).toContain("Resource not accessible by integration");
    expect(retries).toEqual([]);
  });
});
