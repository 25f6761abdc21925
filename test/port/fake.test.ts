import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type PortFake, startPortFake } from "../fakes/port/index.ts";
import { OWNED, SERVICE } from "./helpers.ts";

/** The emulator on its own, spoken to with plain fetch: it must refuse what Port refuses. */
let port: PortFake;
let token: string;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(port.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "user-agent": "fake-test/1",
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const bulk = (entities: unknown[], flags = "upsert=true&merge=true") =>
  call("POST", `/v1/blueprints/service/entities/bulk?${flags}`, { entities });

beforeEach(async () => {
  port = await startPortFake({ blueprints: [SERVICE, ...OWNED], tokenLifetimeSec: 60 });
  const res = await call("POST", "/v1/auth/access_token", port.credentials);
  token = res.body.accessToken;
});
afterEach(() => port.close());

describe("the Port emulator", () => {
  it("issues tokens like Port: same token until expiry, strict body, 401 on a bad token", async () => {
    const again = await call("POST", "/v1/auth/access_token", port.credentials);
    expect(again.body).toMatchObject({ ok: true, accessToken: token, tokenType: "Bearer" });
    expect(again.body.expiresIn).toBeLessThanOrEqual(60);
    expect((await call("POST", "/v1/auth/access_token", { ...port.credentials, extra: 1 })).status).toBe(422);
    expect(
      (await call("POST", "/v1/auth/access_token", { ...port.credentials, clientSecret: "no" })).status,
    ).toBe(401);
    expect(
      (await call("GET", "/v1/blueprints/service", undefined, { authorization: "Bearer nope" })).status,
    ).toBe(401);
    port.expireTokens();
    expect((await call("GET", "/v1/blueprints/service")).body).toMatchObject({
      ok: false,
      error: "token_expired",
    });
  });

  it("puts X-Trace-Id and rate-limit headers on every response", async () => {
    for (const res of [await call("GET", "/v1/blueprints/service"), await call("GET", "/v1/nowhere")]) {
      expect(res.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers.get("x-ratelimit-limit")).toBe("35000");
      expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(35000);
      expect(Number(res.headers.get("x-ratelimit-reset"))).toBeLessThanOrEqual(300);
    }
  });

  it("accepts 1 to 20 entities a bulk request and answers 207 with per-entity errors", async () => {
    expect((await bulk([])).status).toBe(422);
    const many = Array.from({ length: 21 }, (_, i) => ({ identifier: `e${i}` }));
    expect((await bulk(many)).status).toBe(422);
    const res = await bulk([
      { identifier: "ok-1", properties: { stars: 3 } },
      { identifier: "bad-type", properties: { stars: "three" } },
      { identifier: "bad-url", properties: { url: "not a url" } },
      { identifier: "unknown", properties: { colour: "red" } },
    ]);
    expect(res.status).toBe(207);
    expect(res.body.ok).toBe(false);
    expect(res.body.entities).toEqual([{ identifier: "ok-1", index: 0, created: true }]);
    expect(
      res.body.errors.map((e: { index: number; statusCode: number }) => [e.index, e.statusCode]),
    ).toEqual([
      [1, 422],
      [2, 422],
      [3, 422],
    ]);
    expect((await bulk([{ identifier: "ok-1" }])).body).toMatchObject({
      ok: true,
      entities: [{ created: false }],
    });
  });

  it("refuses the whole request when an entity breaks the route's schema", async () => {
    for (const bad of [
      { identifier: "has space" },
      { identifier: ".." },
      { identifier: "x", title: null },
      { identifier: "x", relations: { owner: "bad target" } },
    ]) {
      const res = await bulk([{ identifier: "fine" }, bad]);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ ok: false, error: "invalid_request" });
    }
    expect(port.entities("service")).toEqual([]);
    // The document makes the identifier optional: Port generates one.
    const generated = await bulk([{ title: "no id" }]);
    expect(generated.status).toBe(200);
    expect(generated.body.entities[0].identifier).toMatch(/^e_[0-9a-f]{16}$/);
    expect(port.entities("service")).toHaveLength(1);
    expect(
      (
        await call("POST", "/v1/blueprints/service/entities/bulk?upsert=maybe", {
          entities: [{ identifier: "a" }],
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call("POST", "/v1/blueprints/nope/entities/bulk?upsert=true", {
          entities: [{ identifier: "a" }],
        })
      ).status,
    ).toBe(404);
    expect((await call("POST", "/v1/blueprints/service/entities/bulk", "{not json")).status).toBe(400);
  });

  it("answers 413 to a body over 1 MiB", async () => {
    const res = await bulk([{ identifier: "big", properties: { language: "x".repeat(1024 * 1024) } }]);
    expect(res.status).toBe(413);
    expect(port.entities("service")).toEqual([]);
  });

  it("merges or replaces, keeps createdAt, records $datasource and $updatedAt", async () => {
    await bulk([{ identifier: "a", title: "A", properties: { stars: 1, language: "ts" } }]);
    const created = port.entity("service", "a");
    await bulk([{ identifier: "a", properties: { stars: 2 } }]);
    expect(port.entity("service", "a")).toMatchObject({
      title: "A",
      properties: { stars: 2, language: "ts" },
    });
    await bulk([{ identifier: "a", properties: { stars: 3 } }], "upsert=true&merge=false");
    const replaced = port.entity("service", "a");
    expect(replaced).toMatchObject({
      properties: { stars: 3 },
      datasource: "fake-test/1",
      createdAt: created?.createdAt,
    });
    expect(replaced?.title).toBeUndefined();
    expect((await bulk([{ identifier: "a" }], "upsert=false")).body.errors[0].statusCode).toBe(409);
  });

  it("checks relations: shape, target existence, create_missing_related_entities", async () => {
    const post = (entity: unknown, flags = "upsert=true") =>
      call("POST", `/v1/blueprints/component/entities?${flags}`, entity);
    expect((await post({ identifier: "c", relations: { owner: "o1" } })).body).toMatchObject({
      error: "not_found",
    });
    expect((await post({ identifier: "c", relations: { owner: ["o1"] } })).status).toBe(422);
    expect((await post({ identifier: "c", relations: { nope: "o1" } })).status).toBe(422);
    expect((await post({ identifier: "c" })).status).toBe(422);
    const ok = await post(
      { identifier: "c", relations: { owner: "o1" } },
      "upsert=true&create_missing_related_entities=true",
    );
    expect(ok.status).toBe(201);
    expect(ok.body.entity).toMatchObject({ identifier: "c", relations: { owner: "o1" } });
    expect(port.entity("owner", "o1")).toBeDefined();
  });

  it("searches with the rules the client uses, paginating with from/next", async () => {
    port.seed(
      "service",
      Array.from({ length: 30 }, (_, i) => ({
        identifier: `s${String(i).padStart(2, "0")}`,
        properties: { stars: i },
      })),
      {
        datasource: "tide/1/gh/github",
      },
    );
    port.seed("service", [{ identifier: "t", properties: { language: "go" } }], { datasource: "other" });
    const search = (body: unknown) => call("POST", "/v1/blueprints/service/entities/search", body);
    const rule = (property: string, operator: string, value?: unknown) => ({
      query: {
        combinator: "and",
        rules: [value === undefined ? { property, operator } : { property, operator, value }],
      },
    });
    const ids = async (body: unknown) =>
      (await search(body)).body.entities.map((e: { identifier: string }) => e.identifier);

    expect(await ids(rule("$identifier", "in", ["s01", "t", "zz"]))).toEqual(["s01", "t"]);
    expect((await ids(rule("$datasource", "contains", "/gh/"))).length).toBe(30);
    expect(
      await ids(
        rule(
          "$identifier",
          "notIn",
          Array.from({ length: 30 }, (_, i) => `s${String(i).padStart(2, "0")}`),
        ),
      ),
    ).toEqual(["t"]);
    expect(await ids(rule("$identifier", "beginsWith", "s2"))).toHaveLength(10);
    expect(await ids(rule("$identifier", "endsWith", "9"))).toEqual(["s09", "s19", "s29"]);
    expect(await ids(rule("language", "isNotEmpty"))).toEqual(["t"]);
    expect(await ids(rule("language", "isEmpty"))).toHaveLength(30);
    expect(await ids(rule("stars", "!=", 0))).toHaveLength(30);
    expect(await ids(rule("$blueprint", "=", "service"))).toHaveLength(31);
    const either = {
      query: { combinator: "or", rules: [rule("stars", "=", 3).query, rule("$identifier", "=", "t").query] },
    };
    expect(await ids(either)).toEqual(["s03", "t"]);

    const first = await search({
      ...rule("$datasource", "=", "tide/1/gh/github"),
      limit: 20,
      include: ["$identifier"],
    });
    expect(first.body.entities).toHaveLength(20);
    expect(first.body.entities[0]).toEqual({ identifier: "s00" });
    // A bare name is a property id: the entity comes back without its identifier.
    const bare = await search({ ...rule("$identifier", "=", "t"), include: ["identifier", "language"] });
    expect(bare.body.entities).toEqual([{ properties: { language: "go" } }]);
    const second = await search({
      ...rule("$datasource", "=", "tide/1/gh/github"),
      limit: 20,
      from: first.body.next,
    });
    expect(second.body.entities).toHaveLength(10);
    expect(second.body.next).toBeUndefined();

    expect((await search({ ...rule("$identifier", "=", "a"), limit: 1001 })).status).toBe(422);
    expect((await search(rule("$identifier", "like", "a"))).status).toBe(422);
    expect((await search(rule("colour", "=", "red"))).status).toBe(422);
    expect((await search({ ...rule("$identifier", "=", "a"), from: "garbage" })).status).toBe(422);
  });

  it("pages on after the cursor in identifier order while entities come and go between pages", async () => {
    port.seed(
      "service",
      ["b", "d", "f", "h"].map((identifier) => ({ identifier })),
    );
    const page = async (from?: string) =>
      (
        await call("POST", "/v1/blueprints/service/entities/search", {
          query: { combinator: "and", rules: [{ property: "$identifier", operator: "isNotEmpty" }] },
          limit: 2,
          include: ["$identifier"],
          ...(from ? { from } : {}),
        })
      ).body as { entities: Array<{ identifier: string }>; next?: string };
    const first = await page();
    expect(first.entities.map((e) => e.identifier)).toEqual(["b", "d"]);
    // Between pages: one before the cursor and one after it come...
    port.seed("service", [{ identifier: "a" }, { identifier: "e" }]);
    const second = await page(first.next);
    expect(second.entities.map((e) => e.identifier)).toEqual(["e", "f"]);
    // ...then one after the cursor goes and another comes.
    const del = await call("DELETE", "/v1/blueprints/service/entities/h?delete_dependents=false");
    expect(del.status).toBe(200);
    port.seed("service", [{ identifier: "g" }]);
    const third = await page(second.next);
    expect(third.entities.map((e) => e.identifier)).toEqual(["g"]);
    expect(third.next).toBeUndefined();
  });

  it("deletes one or in bulk, all-or-nothing on dependents and missing entities", async () => {
    port.seed("owner", [{ identifier: "o1" }, { identifier: "o2" }]);
    port.seed("component", [{ identifier: "c", relations: { owner: "o1" } }]);
    const del = (ids: unknown, flag = "false") =>
      call("POST", `/v1/blueprints/owner/bulk/entities/delete?delete_dependents=${flag}`, { entities: ids });
    expect((await del(["o1", "o2"])).body).toMatchObject({ ok: false, error: "has_dependents" });
    expect((await del(["o2", "nope"])).status).toBe(404);
    expect(port.entities("owner")).toHaveLength(2);
    expect((await del(Array.from({ length: 101 }, (_, i) => `x${i}`))).status).toBe(422);
    expect((await del(["o1", "o2"], "true")).body).toEqual({ ok: true, deletedEntities: ["o1", "o2"] });
    expect(port.entities("component")).toEqual([]);
    expect((await call("DELETE", "/v1/blueprints/owner/entities/o1?delete_dependents=false")).status).toBe(
      404,
    );
    port.seed("owner", [{ identifier: "a/b" }]);
    const path = `/v1/blueprints/owner/entities/${encodeURIComponent("a/b")}`;
    // Port's document makes delete_dependents a required query parameter.
    expect((await call("DELETE", path)).body).toMatchObject({
      error: "invalid_request",
      message: "querystring must have required property 'delete_dependents'",
    });
    expect((await call("DELETE", `${path}?delete_dependents=false`)).status).toBe(200);
  });

  it("validates blueprints and resync-state bodies", async () => {
    const bp = (body: unknown) => call("POST", "/v1/blueprints", body);
    expect(
      (await bp({ identifier: "x", title: "X", schema: { properties: { a: { type: "date" } } } })).status,
    ).toBe(422);
    expect(
      (
        await bp({
          identifier: "x",
          title: "X",
          schema: { properties: {} },
          relations: { r: { target: "none", many: false } },
        })
      ).status,
    ).toBe(422);
    expect(
      (await bp({ identifier: "x", title: "X", schema: { properties: {}, required: ["a"] } })).status,
    ).toBe(422);
    expect((await bp({ identifier: "service", title: "S", schema: { properties: {} } })).status).toBe(409);
    expect((await bp({ identifier: "x=y", title: "X", schema: { properties: {} } })).status).toBe(422);

    const withIntegration = await startPortFake({ integrations: [{ identifier: "int", config: {} }] });
    try {
      const auth = await fetch(`${withIntegration.url}/v1/auth/access_token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(withIntegration.credentials),
      });
      const t = ((await auth.json()) as { accessToken: string }).accessToken;
      const patch = (body: unknown) =>
        fetch(`${withIntegration.url}/v1/integration/int/resync-state`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await patch({ status: "running", lastResyncStart: "2025-01-01T00:00:00Z" })).status).toBe(200);
      expect((await patch({ status: "sleeping" })).status).toBe(422);
      expect((await patch({ status: "failed", color: "red" })).status).toBe(422);
      expect(withIntegration.resyncHistory("int").map((h) => h.state.status)).toEqual(["running"]);
    } finally {
      await withIntegration.close();
    }
  });

  it("injects faults reproducibly from its seed", async () => {
    const runs: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const faulty = await startPortFake({
        seed: 42,
        faults: { errorRate: 0.3, rateLimitedRate: 0.2, retryAfterSec: 2 },
      });
      const kinds: string[] = [];
      for (let n = 0; n < 20; n++) {
        const res = await fetch(`${faulty.url}/v1/blueprints/x`);
        kinds.push(`${res.status}:${res.headers.get("retry-after") ?? ""}`);
      }
      runs.push(kinds);
      await faulty.close();
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).toContain("429:2");
    expect(runs[0]?.some((k) => k.startsWith("5"))).toBe(true);
  });

  it("answers 429 beyond the requests-per-second limit", async () => {
    port.faults.requestsPerSecond = 3;
    const statuses: number[] = [];
    // Ten quick requests fall in one or two one-second windows: at least four are over a limit of 3.
    for (let n = 0; n < 10; n++) statuses.push((await call("GET", "/v1/blueprints/service")).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    port.faults.requestsPerSecond = 0;
  });
});
