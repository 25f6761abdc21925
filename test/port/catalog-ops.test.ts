import { afterEach, describe, expect, it } from "vitest";
import { PortApiError, type PortEntity, PortValidationError } from "../../lib/port/index.ts";
import type { PortFake } from "../fakes/port/index.ts";
import { clientFor, OWNED, portWith, services } from "./helpers.ts";

let port: PortFake;
afterEach(() => port?.close());

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("searchEntities", () => {
  it("reads every page of more than 1000 entities, only this integration's", async () => {
    port = await portWith();
    const client = clientFor(port);
    const ours = services(2_500).map(({ blueprint: _, ...e }) => e);
    port.seed("service", ours, { datasource: client.userAgent });
    port.seed("service", [{ identifier: "older-version" }], { datasource: "tide/0.0.1/tide-test/github" });
    port.seed("service", [{ identifier: "other-1" }], { datasource: "tide/0.0.0-test/tide-test-2/github" });
    port.seed("service", [{ identifier: "other-2" }], {
      datasource: "port-ocean/github/1.0.0/tide-test/exporter",
    });

    const found = await collect(
      client.searchEntities("service", { query: client.datasourceQuery, include: ["$identifier"] }),
    );

    expect(found).toHaveLength(2_501);
    expect(new Set(found.map((e) => e.identifier)).size).toBe(2_501);
    expect(found.map((e) => e.identifier)).toContain("older-version");
    expect(found.map((e) => e.identifier)).not.toContain("other-1");
    expect(Object.keys(found[0] as PortEntity)).toEqual(["identifier"]);
    expect(port.requestCount("search")).toBe(3);
  });

  it("fetches pages lazily and honours a smaller page size", async () => {
    port = await portWith();
    const client = clientFor(port);
    port.seed(
      "service",
      services(25).map(({ blueprint: _, ...e }) => e),
    );
    const query = {
      combinator: "and" as const,
      rules: [{ property: "language", operator: "=", value: "go" }],
    };
    const first: PortEntity[] = [];
    for await (const e of client.searchEntities("service", { query, limit: 5 })) {
      first.push(e);
      if (first.length === 5) break;
    }
    expect(port.requestCount("search")).toBe(1);
    expect(first[0]).toMatchObject({
      identifier: "svc-00001",
      properties: { language: "go" },
    });
    expect(await collect(client.searchEntities("service", { query, limit: 5 }))).toHaveLength(12);
  });

  it("throws PortApiError when Port refuses the query, and refuses a bad limit itself", async () => {
    port = await portWith();
    const client = clientFor(port);
    const query = { combinator: "and" as const, rules: [{ property: "nope", operator: "=", value: 1 }] };
    await expect(collect(client.searchEntities("service", { query }))).rejects.toMatchObject({
      name: "PortApiError",
      status: 422,
      code: "invalid_request",
    });
    await expect(collect(client.searchEntities("service", { query, limit: 1001 }))).rejects.toBeInstanceOf(
      PortValidationError,
    );
  });
});

describe("deleteEntities", () => {
  it("deletes in bulk requests of at most 100", async () => {
    port = await portWith();
    const client = clientFor(port);
    port.seed(
      "service",
      services(250).map(({ blueprint: _, ...e }) => e),
    );
    const ids = services(250).map((e) => e.identifier as string);
    const result = await client.deleteEntities("service", ids, { deleteDependents: false });
    expect(result.failed).toEqual([]);
    expect(result.deleted.sort()).toEqual(ids);
    expect(port.entities("service")).toEqual([]);
    expect(port.state.log.filter((r) => r.route === "bulkDelete").map((r) => r.status)).toEqual([
      200, 200, 200,
    ]);
    expect(client.stats.requests.delete).toBe(3);
  });

  it("counts entities that are already gone (404) as deleted", async () => {
    port = await portWith();
    const client = clientFor(port);
    port.seed("service", [{ identifier: "a" }, { identifier: "b" }]);
    const result = await client.deleteEntities("service", ["a", "gone-1", "b", "gone-2"], {
      deleteDependents: false,
    });
    expect(result.failed).toEqual([]);
    expect(result.deleted.sort()).toEqual(["a", "b", "gone-1", "gone-2"]);
    expect(result.alreadyGone.sort()).toEqual(["gone-1", "gone-2"]);
    expect(port.entities("service")).toEqual([]);
  });

  it("counts only what deletedEntities lists; each one left out is deleted on its own", async () => {
    port = await portWith();
    const client = clientFor(port);
    port.seed(
      "service",
      services(6).map(({ blueprint: _, ...e }) => e),
    );
    const ids = services(6).map((e) => e.identifier);
    // Port answers 200 but deleted only four: the other two are still there.
    port.holdOnBulkDelete("service", ["svc-00001", "svc-00004"]);
    // ... and one of them then refuses to go (as Port can answer anything to a single delete).
    port.inject({
      route: "delete",
      status: 422,
      body: { ok: false, error: "has_dependents", message: "svc-00004 has dependents" },
    });
    const result = await client.deleteEntities("service", ids, { deleteDependents: false });
    expect(port.state.log.filter((r) => r.route === "bulkDelete").map((r) => r.status)).toEqual([200]);
    expect(port.requestCount("delete")).toBe(2);
    const refused = port.state.log.find((r) => r.route === "delete" && r.status === 422);
    const [refusedId, deletedAlone] = refused?.path.endsWith("svc-00004")
      ? ["svc-00004", "svc-00001"]
      : ["svc-00001", "svc-00004"];
    expect(result.failed).toEqual([
      expect.objectContaining({ identifier: refusedId, status: 422, code: "has_dependents" }),
    ]);
    expect(result.deleted.sort()).toEqual(ids.filter((id) => id !== refusedId));
    expect(result.deleted).toContain(deletedAlone);
    expect(port.entities("service").map((e) => e.identifier)).toEqual([refusedId]);
  });

  it("reports an entity blocked by dependents without holding back the others", async () => {
    port = await portWith({ blueprints: OWNED });
    port.seed(
      "owner",
      ["o1", "o2", "o3", "o4"].map((identifier) => ({ identifier })),
    );
    port.seed("component", [{ identifier: "api", relations: { owner: "o3", watchers: ["o1"] } }]);
    const client = clientFor(port);

    const result = await client.deleteEntities("owner", ["o1", "o2", "o3", "o4"], {
      deleteDependents: false,
    });
    expect(result.deleted.sort()).toEqual(["o1", "o2", "o4"]);
    expect(result.failed).toEqual([
      expect.objectContaining({ identifier: "o3", status: 422, code: "has_dependents", retryable: false }),
    ]);
    expect(port.entities("owner").map((e) => e.identifier)).toEqual(["o3"]);
    // An optional relation to a deleted entity is cleared, not a blocker.
    expect(port.entity("component", "api")?.relations.watchers).toEqual([]);

    const cascade = await client.deleteEntities("owner", ["o3"], { deleteDependents: true });
    expect(cascade).toMatchObject({ deleted: ["o3"], failed: [] });
    expect(port.entities("component")).toEqual([]);
  });

  it("refuses invalid identifiers locally", async () => {
    port = await portWith();
    const client = clientFor(port);
    const result = await client.deleteEntities("service", ["fine", "not fine"], { deleteDependents: false });
    expect(result.failed).toEqual([
      expect.objectContaining({ identifier: "not fine", code: "invalid_identifier" }),
    ]);
    expect(result.alreadyGone).toEqual(["fine"]);
  });
});

describe("blueprints and integration state", () => {
  it("gets, creates and patches blueprints", async () => {
    port = await portWith();
    const client = clientFor(port);
    expect(await client.getBlueprint("repo")).toBeUndefined();
    const created = await client.createBlueprint({
      identifier: "repo",
      title: "Repository",
      schema: { properties: { url: { type: "string", format: "url" } }, required: [] },
      relations: { service: { target: "service", many: false, required: false } },
    });
    expect(created).toMatchObject({ identifier: "repo", relations: { service: { target: "service" } } });
    const patched = await client.patchBlueprint("repo", { title: "Repo" });
    expect(patched).toMatchObject({ title: "Repo", schema: { properties: { url: { type: "string" } } } });
    expect((await client.getBlueprint("repo"))?.title).toBe("Repo");

    const bad = await client
      .createBlueprint({
        identifier: "x",
        title: "X",
        schema: { properties: { n: { type: "integer" as never } } },
      })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(PortApiError);
    expect(bad).toMatchObject({ status: 422, path: "/v1/blueprints", method: "POST" });
    await expect(client.getBlueprint("bad id")).rejects.toBeInstanceOf(PortValidationError);
  });

  it("reads the integration and records resync state; an unknown integration is not an error", async () => {
    port = await portWith({ integrations: [{ identifier: "tide-test", config: { resources: [] } }] });
    const client = clientFor(port);
    expect(await client.getIntegration()).toMatchObject({
      identifier: "tide-test",
      config: { resources: [] },
    });
    expect(await client.getIntegration("unknown")).toBeUndefined();

    const start = new Date().toISOString();
    expect(await client.patchResyncState("tide-test", { status: "running", lastResyncStart: start })).toBe(
      true,
    );
    expect(
      await client.patchResyncState("tide-test", {
        status: "completed",
        lastResyncStart: start,
        lastResyncEnd: start,
      }),
    ).toBe(true);
    expect(await client.patchResyncState("unknown", { status: "running" })).toBe(false);
    expect(port.resyncHistory("tide-test").map((h) => h.state.status)).toEqual(["running", "completed"]);
    expect(port.resyncHistory("tide-test")[0]?.userAgent).toBe(client.userAgent);
    await expect(client.patchResyncState("tide-test", { status: "done" as never })).rejects.toMatchObject({
      status: 422,
    });
  });
});
