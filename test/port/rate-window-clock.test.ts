import { afterEach, expect, it } from "vitest";
import type { PortFake } from "../fakes/port/index.ts";
import { SkipClock } from "../fakes/skip-clock.ts";
import { clientFor, portWith, services } from "./helpers.ts";

let port: PortFake;
afterEach(() => port?.close());

it("spreads upserts over Port's rate-limit windows on the clock it is given, not the wall clock", async () => {
  const clock = new SkipClock();
  // Five requests a minute, on the same simulated clock as the client's.
  port = await portWith({ rateLimit: { limit: 5, periodSec: 60 }, clock: clock.shared });
  const client = clientFor(port, { concurrency: 2, clock });
  const entities = services(200); // 10 bulk upserts, and the token request

  const started = performance.now();
  const results = await client.upsertEntities("service", entities, {
    merge: true,
    createMissingRelatedEntities: false,
  });

  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(port.entities("service")).toHaveLength(200);
  // 11 requests at 5 a minute need at least two more windows: waited on the clock, in no real time.
  expect(clock.skippedMs).toBeGreaterThanOrEqual(60_000);
  expect(performance.now() - started).toBeLessThan(5_000);
  const limited = port.state.log.filter((r) => r.status === 429).length;
  expect(limited).toBeLessThanOrEqual(1);
});
