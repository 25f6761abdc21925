import { afterEach, describe, expect, it } from "vitest";
import { findOperation, requestError } from "../fakes/port/openapi.ts";
import { ROUTES } from "../fakes/port/routes.ts";
import { clientFor, OWNED, portWith, SERVICE, services } from "./helpers.ts";

/** The emulator against Port's OpenAPI document: what it accepts, refuses and answers. */

let port: Awaited<ReturnType<typeof portWith>>;
afterEach(() => port?.close());

async function raw(method: string, path: string, body?: unknown) {
  const auth = await fetch(`${port.url}/v1/auth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(port.credentials),
  });
  const { accessToken } = (await auth.json()) as { accessToken: string };
  const res = await fetch(port.url + path, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("the Port emulator and Port's OpenAPI document", () => {
  it("serves only routes the document lists, or the undocumented ones Ocean uses", () => {
    for (const route of ROUTES) {
      const path = `/${route.pattern.map((p) => (p.startsWith(":") ? "x" : p)).join("/")}`;
      const found = findOperation(route.method, path);
      expect(found, `${route.method} ${path}`).toBeDefined();
      const undocumented = ["resyncState", "createIntegration", "kindExamples", "ingestLogs"];
      if (undocumented.includes(route.name)) expect(found?.operation.undocumented, route.name).toBe(true);
      else expect(found?.operation.undocumented, `${route.method} ${path}`).toBe(false);
    }
  });

  it("answers everything the client sends with replies the document allows", async () => {
    port = await portWith({
      checkResponses: true,
      blueprints: [SERVICE, ...OWNED],
      integrations: [{ identifier: "tide-test", config: { resources: [] } }],
    });
    const client = clientFor(port);
    const options = { merge: true, createMissingRelatedEntities: true };
    expect((await client.upsertEntities("service", services(25), options)).every((r) => r.ok)).toBe(true);
    const partly = await client.upsertEntities(
      "service",
      [
        { identifier: "ok", blueprint: "service", properties: { stars: 1 } },
        { identifier: "bad", blueprint: "service", properties: { stars: "many" } },
      ],
      options,
    );
    expect(partly.map((r) => r.ok)).toEqual([true, false]);
    await client.upsertEntities(
      "component",
      [{ identifier: "api", blueprint: "component", relations: { owner: "o'neil", watchers: [] } }],
      options,
    );
    const owned = [];
    for await (const e of client.searchEntities("service", {
      query: client.datasourceQuery,
      include: ["$identifier"],
      limit: 10,
    }))
      owned.push(e);
    expect(owned).toHaveLength(26);
    const catalogEntities = [];
    for await (const e of client.searchEntities("component", {
      query: { combinator: "and", rules: [{ property: "$identifier", operator: "in", value: ["api"] }] },
    }))
      catalogEntities.push(e);
    expect(catalogEntities).toEqual([
      { identifier: "api", team: [], properties: {}, relations: { owner: "o'neil", watchers: [] } },
    ]);
    expect((await client.deleteEntities("owner", ["o'neil"], { deleteDependents: false })).failed).toEqual([
      expect.objectContaining({ identifier: "o'neil", code: "has_dependents" }),
    ]);
    await client.deleteEntities("service", ["svc-00000", "svc-00001", "gone"], { deleteDependents: false });
    expect(await client.getBlueprint("service")).toMatchObject({ identifier: "service" });
    expect(await client.getBlueprint("nope")).toBeUndefined();
    await client.createBlueprint({ identifier: "extra", title: "Extra", schema: { properties: {} } });
    await client.patchBlueprint("extra", { title: "Extra!" });
    expect(await client.getIntegration()).toMatchObject({ identifier: "tide-test" });
    expect(await client.patchResyncState("tide-test", { status: "running", intervalInMinuets: 360 })).toBe(
      true,
    );
    await client.createIntegration({
      installationId: "tide-new",
      installationAppType: "github",
      version: "1.0.0",
      changelogDestination: { type: "WEBHOOK", url: "https://example.test/resync/abc" },
      config: { resources: [] },
    });
    await client.patchIntegration({ version: "1.0.1" }, "tide-new");
    await client.putIntegrationConfig({ deleteDependentEntities: true, resources: [] }, "tide-new");
    await client.postKindExamples("repository", [{ name: "a" }], "tide-new");
    const registered = await client.getIntegration("tide-new");
    const ingestUrl = String((registered?.logAttributes as { ingestUrl?: string } | undefined)?.ingestUrl);
    await client.postLogs(ingestUrl, [
      { level: "INFO", message: "hello", timestamp: new Date().toISOString() },
    ]);
    expect(port.integration("tide-new")).toMatchObject({
      version: "1.0.1",
      config: { deleteDependentEntities: true, resources: [] },
    });
    expect(port.kindExamples("tide-new", "repository")).toEqual([{ name: "a" }]);
    expect(port.integrationLogs("tide-new")).toEqual([expect.objectContaining({ message: "hello" })]);
    await raw("GET", "/v1/blueprints/service/entities/svc-00002");
    await raw("GET", "/v1/blueprints/service/entities/nope");
    await raw("POST", "/v1/blueprints/service/entities?upsert=true", { identifier: "single" });

    const served = new Set(port.state.log.map((r) => r.route));
    for (const route of ROUTES.filter((r) => r.name !== "deleteBlueprint")) {
      expect(served, route.name).toContain(route.name);
    }
    expect(port.state.responseViolations).toEqual([]);
  });

  it("refuses what breaks the document with 422 and the validator's message", async () => {
    port = await portWith();
    const cases: Array<[string, string, unknown, string]> = [
      [
        "POST",
        "/v1/blueprints/service/entities/bulk?merge=true",
        { entities: [{ identifier: "a" }] },
        "querystring must have required property 'upsert'",
      ],
      [
        "POST",
        "/v1/blueprints/service/entities/bulk?upsert=true",
        { entities: [{ identifier: "has space" }] },
        "body/entities/0/identifier must match pattern",
      ],
      [
        "POST",
        "/v1/blueprints/service/entities/bulk?upsert=true",
        { entities: Array.from({ length: 21 }, (_, i) => ({ identifier: `e${i}` })) },
        "body/entities must NOT have more than 20 items",
      ],
      [
        "POST",
        "/v1/blueprints/service/entities/search",
        { query: { combinator: "and", rules: [] }, include: "$identifier" },
        "body/include must be array",
      ],
      [
        "POST",
        "/v1/blueprints/service/entities/search",
        { query: { combinator: "and", rules: [] }, limit: 5000 },
        "body/limit must be <= 1000",
      ],
      [
        "POST",
        "/v1/blueprints/service/bulk/entities/delete",
        { entities: ["a"] },
        "querystring must have required property 'delete_dependents'",
      ],
      [
        "POST",
        "/v1/blueprints/service/bulk/entities/delete?delete_dependents=false",
        { entities: [] },
        "body/entities must NOT have fewer than 1 items",
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await raw(method, path, body);
      expect(res.status, path).toBe(422);
      expect(res.body).toMatchObject({ ok: false, error: "invalid_request" });
      expect(res.body.message).toContain(message);
    }
    const auth = await fetch(`${port.url}/v1/auth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...port.credentials, scope: "all" }),
    });
    expect(auth.status).toBe(422);
    expect(port.entities("service")).toEqual([]);
  });

  it("accepts an apostrophe in entity identifiers, as the document's pattern does", async () => {
    port = await portWith();
    const client = clientFor(port);
    const results = await client.upsertEntities(
      "service",
      [{ identifier: "o'reilly-api", blueprint: "service", title: "O'Reilly" }],
      { merge: true, createMissingRelatedEntities: false },
    );
    expect(results).toEqual([{ ok: true, identifier: "o'reilly-api", created: true }]);
    expect(port.entity("service", "o'reilly-api")?.title).toBe("O'Reilly");
  });

  it("compiles an operation's schemas once per process", () => {
    const found = findOperation("POST", "/v1/blueprints/service/entities/bulk");
    if (!found) throw new Error("no bulk operation");
    const query = new URLSearchParams("upsert=true");
    expect(requestError(found.operation, found.params, query, { entities: [{ identifier: "a" }] })).toBe(
      undefined,
    );
    const compiled = found.operation.compiled;
    expect(compiled).toBeDefined();
    const again = findOperation("POST", "/v1/blueprints/other/entities/bulk");
    requestError(again?.operation ?? found.operation, {}, query, { entities: [{ identifier: "b" }] });
    expect(again?.operation.compiled).toBe(compiled);
  });
});
