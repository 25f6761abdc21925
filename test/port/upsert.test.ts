import { afterEach, describe, expect, it } from "vitest";
import type { Entity, UpsertFailure } from "../../lib/port/index.ts";
import type { PortFake } from "../fakes/port/index.ts";
import { clientFor, OWNED, portWith, services } from "./helpers.ts";

let port: PortFake;
afterEach(() => port?.close());

const upsertOptions = { merge: true, createMissingRelatedEntities: false };

describe("upsertEntities", () => {
  it("writes entities in bulk requests of at most 20, records the User-Agent as datasource", async () => {
    port = await portWith();
    const client = clientFor(port);
    const results = await client.upsertEntities("service", services(45), upsertOptions);

    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.identifier)).toEqual(services(45).map((e) => e.identifier));
    expect(port.requestCount("bulkUpsert")).toBe(3);
    expect(port.state.log.filter((r) => r.route === "bulkUpsert").every((r) => r.bodyBytes > 0)).toBe(true);
    const stored = port.entities("service");
    expect(stored).toHaveLength(45);
    expect(stored[7]).toMatchObject({
      identifier: "svc-00007",
      title: "Service 7",
      properties: { language: "go", stars: 7 },
    });
    expect(client.userAgent).toBe("tide/0.0.0-test/tide-test/github");
    expect(new Set(stored.map((e) => e.datasource))).toEqual(new Set([client.userAgent]));
    expect(client.userAgent).toContain(client.datasource);
    expect(client.stats.requests).toMatchObject({ auth: 1, upsert: 3 });
  });

  it("reports Port's per-entity errors from a 207 without retrying them", async () => {
    port = await portWith();
    const client = clientFor(port);
    const entities = services(20).map((e, i) => {
      if (i === 3) return { ...e, properties: { language: 42 } };
      return i === 11 ? { ...e, properties: { colour: "red" } } : e;
    });

    const results = await client.upsertEntities("service", entities, upsertOptions);

    const failed = results.filter((r): r is UpsertFailure => !r.ok);
    expect(failed.map((f) => f.identifier)).toEqual(["svc-00003", "svc-00011"]);
    expect(failed[0]).toMatchObject({ status: 422, code: "invalid_request", retryable: false });
    expect(failed[0]?.message).toContain('"language"');
    expect(failed[1]?.message).toContain('"colour"');
    expect(failed[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(port.requestCount("bulkUpsert")).toBe(1);
    expect(client.stats.retries).toBe(0);
    expect(port.entities("service")).toHaveLength(18);
  });

  it("fails every entity of a request Port refuses as a whole, once, without throwing", async () => {
    port = await portWith();
    const client = clientFor(port);
    const results = await client.upsertEntities(
      "nothing-here",
      services(5).map((e) => ({ ...e, blueprint: "nothing-here" })),
      upsertOptions,
    );
    expect(results).toHaveLength(5);
    expect(results.every((r) => !r.ok && r.status === 404 && r.code === "not_found" && !r.retryable)).toBe(
      true,
    );
    expect(port.requestCount("bulkUpsert")).toBe(1);
  });

  it("fails bad identifiers and keys before sending, naming the entity and the field", async () => {
    port = await portWith();
    const client = clientFor(port);
    const broken = [
      { identifier: "has space" },
      { properties: { "bad key!": 1 } },
      { relations: { owner: ".." } },
      {},
    ];
    const entities = services(4).map((e, i) => ({ ...e, ...broken[i] }));
    const results = await client.upsertEntities("service", entities, upsertOptions);

    expect(results[0]).toMatchObject({ ok: false, field: "identifier", code: "invalid_entity" });
    expect((results[0] as UpsertFailure).message).toContain('entity "has space" (#0)');
    expect(results[1]).toMatchObject({ ok: false, identifier: "svc-00001", field: "properties.bad key!" });
    expect((results[1] as UpsertFailure).message).toContain('entity "svc-00001" (#1) of blueprint "service"');
    expect(results[2]).toMatchObject({ ok: false, identifier: "svc-00002", field: "relations.owner" });
    expect(results[3]).toEqual({ ok: true, identifier: "svc-00003", created: true });
    expect(port.requestCount("bulkUpsert")).toBe(1);

    const wrongBlueprint = await client.upsertEntities("bad blueprint", services(2), upsertOptions);
    expect(wrongBlueprint.every((r) => !r.ok && r.field === "blueprint")).toBe(true);
    expect(port.requestCount("bulkUpsert")).toBe(1);
  });

  it("splits a request Port answers 413 in halves, down to single upserts", async () => {
    port = await portWith({ maxBodyBytes: 6_000 });
    const client = clientFor(port);
    const entities = services(20).map((e) => ({ ...e, properties: { language: "x".repeat(1_100) } }));
    const results = await client.upsertEntities("service", entities, upsertOptions);

    expect(results.every((r) => r.ok)).toBe(true);
    expect(port.entities("service")).toHaveLength(20);
    const statuses = port.state.log.filter((r) => r.route === "bulkUpsert").map((r) => r.status);
    expect(statuses.filter((s) => s === 413).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);

    port.resetRequests();
    const big = services(2).map((e) => ({ ...e, properties: { language: "y".repeat(4_000) } }));
    const alone = await client.upsertEntities("service", big, upsertOptions);
    expect(alone.every((r) => r.ok)).toBe(true);
    expect(port.requestCount("upsert")).toBe(2);
  });

  it("reports an entity larger than Port's body limit without sending it", async () => {
    port = await portWith();
    const client = clientFor(port);
    const [huge, fine] = services(2).map((e, i) => ({
      ...e,
      properties: { language: "z".repeat(i ? 10 : 1_100_000) },
    }));
    const results = await client.upsertEntities("service", [huge, fine] as Entity[], upsertOptions);
    expect(results[0]).toMatchObject({ ok: false, status: 413, code: "payload_too_large", retryable: false });
    expect(results[1]?.ok).toBe(true);
    expect(port.requestCount("bulkUpsert")).toBe(1);
  });

  it("merges or replaces as asked", async () => {
    port = await portWith();
    const client = clientFor(port);
    const [first] = services(1);
    if (!first) throw new Error("no entity");
    await client.upsertEntities("service", [first], upsertOptions);
    await client.upsertEntities(
      "service",
      [{ identifier: first.identifier, blueprint: "service", properties: { stars: 99 } }],
      upsertOptions,
    );
    expect(port.entity("service", first.identifier)).toMatchObject({
      title: "Service 0",
      properties: { language: "ts", stars: 99 },
    });

    await client.upsertEntities(
      "service",
      [{ identifier: first.identifier, blueprint: "service", properties: { stars: 1 } }],
      {
        ...upsertOptions,
        merge: false,
      },
    );
    const replaced = port.entity("service", first.identifier);
    expect(replaced?.properties).toEqual({ stars: 1 });
    expect(replaced?.title).toBeUndefined();
  });

  it("reports missing related entities, or creates them when asked", async () => {
    port = await portWith({ blueprints: OWNED });
    const client = clientFor(port);
    const component = {
      identifier: "api",
      blueprint: "component",
      relations: { owner: "alice", watchers: ["bob"] },
    };
    const [missing] = await client.upsertEntities("component", [component], upsertOptions);
    expect(missing).toMatchObject({ ok: false, status: 404, code: "not_found", retryable: false });
    expect(port.entities("component")).toHaveLength(0);

    const [created] = await client.upsertEntities("component", [component], {
      ...upsertOptions,
      createMissingRelatedEntities: true,
    });
    expect(created?.ok).toBe(true);
    expect(port.entities("owner").map((e) => e.identifier)).toEqual(["alice", "bob"]);
  });

  it("resolves search-query identifiers and relations through Port", async () => {
    port = await portWith({ blueprints: OWNED });
    port.seed("owner", [{ identifier: "alice" }]);
    port.seed("component", [
      { identifier: "api", properties: { language: "ts" }, relations: { owner: "alice" } },
    ]);
    const client = clientFor(port);
    const byLanguage = {
      combinator: "and" as const,
      rules: [{ property: "language", operator: "=", value: "ts" }],
    };
    const byId = {
      combinator: "and" as const,
      rules: [{ property: "$identifier", operator: "=", value: "alice" }],
    };
    const results = await client.upsertEntities(
      "component",
      [{ identifier: byLanguage, blueprint: "component", title: "The API", relations: { watchers: byId } }],
      upsertOptions,
    );
    expect(results).toEqual([{ ok: true, identifier: "api", created: false }]);
    expect(port.entity("component", "api")).toMatchObject({
      title: "The API",
      relations: { owner: "alice", watchers: ["alice"] },
    });
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    port = await portWith({ faults: { latencyMs: 20 } });
    const client = clientFor(port, { concurrency: 3 });
    let inFlight = 0;
    let most = 0;
    const server = port.state.log;
    const watch = setInterval(() => {
      inFlight = server.filter((r) => r.status === 0).length;
      most = Math.max(most, inFlight);
    }, 2);
    await client.upsertEntities("service", services(200), upsertOptions);
    clearInterval(watch);
    expect(port.requestCount("bulkUpsert")).toBe(10);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(0);
  });
});
