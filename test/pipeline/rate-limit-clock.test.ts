import { afterEach, expect, it } from "vitest";
import { resyncLocal } from "../../lib/local/resync.ts";
import { createGitHubSource } from "../../lib/source/github/index.ts";
import { SkipClock } from "../fakes/skip-clock.ts";
import { startWorld, type World } from "../support/world.ts";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const HOUR = 3_600_000;

it("continues a resync after each hourly reset of GitHub's limit, on the clock it is given", async () => {
  const clock = new SkipClock();
  const perHour = 12;
  world = await startWorld({ github: { now: clock.now, rateLimit: { limit: perHour, windowMs: HOUR } } });
  const source = createGitHubSource({
    org: world.github.org.login,
    apiUrl: world.github.url,
    token: world.github.token,
    http: { clock },
  });
  const started = performance.now();
  const simStarted = clock.now();
  const { run } = await resyncLocal({
    integrationId: "github-test",
    config: world.config,
    source,
    catalog: world.catalog,
    compile: world.compile,
    clock,
    // Lambda's 15 minutes per invocation, on the same clock.
    invocationMs: 15 * 60_000,
  });

  expect(run.status).toBe("completed");
  expect(world.actual()).toEqual(world.expected());
  const { stats } = world.github;
  // Each page once: every continuation resumed from its checkpoint (the listing excepted: it
  // is read again by each invocation that needs repository names).
  const pullPages = stats.okByRoute["GET /repos/{owner}/{repo}/pulls"];
  expect(pullPages).toBe(world.github.org.repoNames().length);
  expect(stats.byStatus[403] ?? 0).toBe(0);
  // Hours of windows went by on the clock, one per `perHour` requests, in seconds of real time.
  const windows = Math.ceil(stats.requests / perHour);
  expect(clock.now() - simStarted).toBeGreaterThanOrEqual((windows - 1) * HOUR);
  expect(clock.now() - simStarted).toBeLessThan(windows * HOUR);
  expect(run.continuations).toBeGreaterThanOrEqual(windows - 1);
  expect(performance.now() - started).toBeLessThan(20_000);
});
