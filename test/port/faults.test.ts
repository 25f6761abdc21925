import { afterEach, describe, expect, it } from "vitest";
import { PortClient } from "../../lib/port/index.ts";
import type { PortFake } from "../fakes/port/index.ts";
import { clientFor, portWith, services } from "./helpers.ts";

let port: PortFake;
afterEach(() => port?.close());

describe("upserts under injected faults", () => {
  it("lands every entity exactly once under 20% 5xx, 429 and connection resets", async () => {
    port = await portWith({
      seed: 7,
      faults: { latencyMs: 1, errorRate: 0.08, rateLimitedRate: 0.06, retryAfterSec: 0, resetRate: 0.06 },
    });
    const client = clientFor(port, { concurrency: 8 });
    const entities = services(1_000);

    const results = await client.upsertEntities("service", entities, {
      merge: true,
      createMissingRelatedEntities: false,
    });

    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.identifier)).toEqual(entities.map((e) => e.identifier));
    const stored = port.entities("service");
    expect(stored.map((e) => e.identifier)).toEqual(entities.map((e) => e.identifier));
    for (const [i, e] of stored.entries()) expect(e.properties).toEqual(entities[i]?.properties);

    // The faults did happen, and were retried: half of the 5xx and resets struck after the write.
    const faults = port.state.log.map((r) => r.fault);
    for (const kind of ["error", "rate-limited", "reset"] as const) expect(faults).toContain(kind);
    const faulted = faults.filter((f) => f !== "none").length;
    expect(client.stats.retries).toBe(faulted);
    expect(client.stats.total).toBe(port.requestCount());
  });

  it("retries requests slower than the client's timeout", async () => {
    port = await portWith({ seed: 3, faults: { slowRate: 0.2, slowMs: 3_000, routes: ["bulkUpsert"] } });
    const client = clientFor(port, { timeoutMs: 200 });
    const results = await client.upsertEntities("service", services(200), {
      merge: true,
      createMissingRelatedEntities: false,
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(port.entities("service")).toHaveLength(200);
    expect(port.state.log.some((r) => r.fault === "slow")).toBe(true);
    expect(client.stats.retries).toBeGreaterThan(0);
  });

  it("retries an upsert that timed out after Port applied it; the entity is written once", async () => {
    port = await portWith();
    // Port writes the batch, then takes longer than the client waits (undici checks timeouts about once a second).
    port.inject({ route: "bulkUpsert", afterWrite: true, delayMs: 2_500, status: 200, body: {} });
    const client = clientFor(port, { timeoutMs: 150 });
    const results = await client.upsertEntities("service", services(3), {
      merge: true,
      createMissingRelatedEntities: false,
    });
    expect(results).toEqual(services(3).map((e) => ({ ok: true, identifier: e.identifier, created: false })));
    expect(port.entities("service")).toHaveLength(3);
    expect(port.requestCount("bulkUpsert")).toBe(2);
    expect(client.stats.retries).toBe(1);
  });

  it("waits 60 s for Port by default; TIDE_PORT_TIMEOUT_MS changes it", async () => {
    const env = { PORT_CLIENT_ID: "a", PORT_CLIENT_SECRET: "b" };
    expect(PortClient.fromEnv(env).timeoutMs).toBe(60_000);
    expect(new PortClient({ clientId: "a", clientSecret: "b" }).timeoutMs).toBe(60_000);
    expect(PortClient.fromEnv({ ...env, TIDE_PORT_TIMEOUT_MS: "90000" }).timeoutMs).toBe(90_000);
    expect(() => PortClient.fromEnv({ ...env, TIDE_PORT_TIMEOUT_MS: "1m" })).toThrow(
      /TIDE_PORT_TIMEOUT_MS must be a whole number of milliseconds/,
    );
  });

  it("paces itself under a global requests-per-second limit and still lands everything", async () => {
    port = await portWith({ faults: { requestsPerSecond: 20 } });
    const client = clientFor(port, { concurrency: 8 });
    const results = await client.upsertEntities("service", services(600), {
      merge: true,
      createMissingRelatedEntities: false,
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(port.entities("service")).toHaveLength(600);
    // x-ratelimit-remaining lets the client slow down before Port must refuse most requests.
    const refused = port.state.log.filter((r) => r.status === 429).length;
    expect(refused).toBeLessThan(port.requestCount("bulkUpsert") / 2);
  });

  it("reports entities as retryable failures when Port keeps failing, without throwing", async () => {
    port = await portWith({ faults: { errorRate: 1, routes: ["bulkUpsert"] } });
    const client = clientFor(port, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    const results = await client.upsertEntities("service", services(30), {
      merge: true,
      createMissingRelatedEntities: false,
    });
    expect(results).toHaveLength(30);
    expect(results.every((r) => !r.ok && r.retryable && (r.status ?? 0) >= 500)).toBe(true);
    expect(port.requestCount("bulkUpsert")).toBe(6);
  });

  it("reports network failures per entity once resets exhaust the retries", async () => {
    port = await portWith({ faults: { resetRate: 1, routes: ["bulkUpsert"] } });
    const client = clientFor(port, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const results = await client.upsertEntities("service", services(3), {
      merge: true,
      createMissingRelatedEntities: false,
    });
    expect(results.every((r) => !r.ok && r.code === "network_error" && r.retryable)).toBe(true);
  });
});
