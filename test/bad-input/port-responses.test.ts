/**
 * Port answering badly: HTML error pages from a proxy, truncated JSON, bodies of the wrong
 * shape, on every route a resync uses. A transient one is retried and nothing is lost; a
 * lasting one fails the run with Port's status and trace id, and a failed run deletes nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseMessage } from "../../lib/pipeline/message.ts";
import type { InjectedReply } from "../fakes/port/index.ts";
import {
  BLUEPRINT,
  capturingLogger,
  startThingWorld,
  type ThingWorld,
  thingSummary,
  things,
} from "./harness.ts";

const BAD_GATEWAY =
  "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";
const TRACE = /^\w{16,}$/;

let world: ThingWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A good run of ok-1..4, then Port misbehaves as told while the source drops ok-4. */
async function resyncWhile(...replies: InjectedReply[]) {
  world = await startThingWorld();
  world.pages = [things(4)];
  const first = await world.resync();
  expect(first.run.status).toBe("completed");
  world.pages = [things(3, "ok", 2)];
  for (const reply of replies) world.port.inject(reply);
  const log = capturingLogger();
  const { run, deadLetters } = await world.resync({ log });
  return { world, run, deadLetters, log };
}

/** Everything landed and the stale entity went: the bad reply cost nothing. */
function expectNothingLost(w: ThingWorld, run: { status: string }) {
  expect(run.status).toBe("completed");
  expect(w.ids()).toEqual(["ok-1", "ok-2", "ok-3"]);
  for (const n of [1, 2, 3]) expect(w.port.entity(BLUEPRINT, `ok-${n}`)?.title).toBe(`Thing ${n} v2`);
}

describe("bulk upsert replies", () => {
  it("a 502 HTML page from a proxy, a few times, is retried: nothing lost", async () => {
    const { world, run } = await resyncWhile({
      route: "bulkUpsert",
      status: 502,
      body: BAD_GATEWAY,
      times: 4,
    });
    expectNothingLost(world, run);
  });

  it("a lasting 502 HTML page fails each entity with status 502 and Port's trace id; the batch waits in the DLQ; nothing deleted", async () => {
    const { world, run, deadLetters } = await resyncWhile({
      route: "bulkUpsert",
      status: 502,
      body: BAD_GATEWAY,
      times: 1_000,
    });
    expect(run.status).toBe("failed");
    expect(run.summary?.deletion.performed).toBe(false);
    expect(world.ids()).toContain("ok-4");
    expect(thingSummary(run)).toMatchObject({ items: 3, failures: 3 });
    for (const failure of run.summary?.failures ?? []) {
      expect(failure).toMatchObject({ status: 502, code: "http_502", traceId: expect.stringMatching(TRACE) });
      expect(failure.message).toMatch(/^thing\/ok-\d: HTTP 502/);
    }
    expect(deadLetters).toHaveLength(1);
    expect(parseMessage(deadLetters[0] ?? "").parts.flatMap((p) => p.items)).toHaveLength(3);
  });

  it("a 200 whose JSON is cut short, after Port wrote, is retried: nothing lost", async () => {
    const { world, run } = await resyncWhile({
      route: "bulkUpsert",
      status: 200,
      body: '{"ok":true,"entities":[{"identifier":"ok-1","index":0,"crea',
      afterWrite: true,
    });
    expectNothingLost(world, run);
  });

  it("a 200 cut short every time fails the entities as unconfirmed (status 200, trace id) and deletes nothing", async () => {
    const { world, run } = await resyncWhile({
      route: "bulkUpsert",
      status: 200,
      body: '{"ok":tr',
      times: 1_000,
      afterWrite: true,
    });
    expect(run.status).toBe("failed");
    expect(world.ids()).toContain("ok-4");
    const [failure] = run.summary?.failures ?? [];
    expect(failure).toMatchObject({
      status: 200,
      code: "missing_result",
      traceId: expect.stringMatching(TRACE),
    });
    expect(failure?.message).toMatch(/^thing\/ok-1: Port's bulk response did not mention this entity/);
  });

  it.each([
    ["a 207 without `entities`", { ok: false, errors: [] }],
    ["`entities` as a string", { ok: true, entities: "all of them" }],
    ["`null`", null],
    [
      "indexes out of range or not integers",
      { ok: true, entities: [{ index: 7 }, { index: -1 }, { index: 1.5 }, { index: "0" }] },
    ],
    ["errors without a status or message", { ok: false, entities: [], errors: [{ index: "1" }, {}] }],
  ])("%s, once, leaves the entities unconfirmed and they are sent again: nothing lost", async (_, body) => {
    const { world, run } = await resyncWhile({ route: "bulkUpsert", status: 207, body, afterWrite: true });
    expectNothingLost(world, run);
  });

  it("a 413 with an HTML body splits the request, as a JSON 413 would", async () => {
    const { world, run } = await resyncWhile({
      route: "bulkUpsert",
      status: 413,
      body: "<html><body>Request Entity Too Large</body></html>",
    });
    expectNothingLost(world, run);
    expect(world.port.requestCount("upsert") + world.port.requestCount("bulkUpsert")).toBeGreaterThan(2);
  });

  it("a 400 with an HTML body is not retried: each entity fails with status 400 and the trace id; nothing deleted", async () => {
    const { world, run, deadLetters } = await resyncWhile({
      route: "bulkUpsert",
      status: 400,
      body: "<html>Bad Request</html>",
    });
    expect(run.status).toBe("failed");
    expect(world.ids()).toContain("ok-4");
    expect(run.summary?.failures).toHaveLength(3);
    expect(run.summary?.failures[0]).toMatchObject({
      status: 400,
      code: "http_400",
      traceId: expect.stringMatching(TRACE),
    });
    expect(deadLetters).toEqual([]);
  });
});

describe("authentication replies", () => {
  it("a lasting 503 HTML page on the token route names the route, status, trace id and client id, never the secret", async () => {
    world = await startThingWorld();
    world.pages = [things(4)];
    await world.resync();
    world.pages = [things(3, "ok", 2)];
    world.port.expireTokens();
    world.port.inject({
      route: "auth",
      status: 503,
      body: "<html>Down for maintenance</html>",
      times: 1_000,
    });
    const log = capturingLogger();
    const { run } = await world.resync({ log });
    expect(run.status).toBe("failed");
    expect(world.ids()).toContain("ok-4");
    const message = run.summary?.failures[0]?.message ?? "";
    expect(message).toMatch(/Port 503 auth_failed on POST \/v1\/auth\/access_token \(trace \w+\)/);
    expect(message).toContain(world.port.credentials.clientId);
    expect(`${message}\n${log.text()}`).not.toContain(world.port.credentials.clientSecret);
  });

  it("a 200 with an HTML page instead of a token is an invalid response, not a crash", async () => {
    world = await startThingWorld();
    world.pages = [things(3)];
    world.port.inject({ route: "auth", status: 200, body: "<html>Sign in</html>", times: 1_000 });
    const { run } = await world.resync();
    expect(run.status).toBe("failed");
    expect(run.summary?.failures[0]?.message).toMatch(
      /Port 200 invalid_response on POST \/v1\/auth\/access_token/,
    );
  });

  it("a 401 that echoes the client secret has it redacted from every message", async () => {
    world = await startThingWorld();
    world.pages = [things(3)];
    const secret = world.port.credentials.clientSecret;
    world.port.inject({
      route: "auth",
      status: 401,
      body: { ok: false, error: "unauthorized", message: `bad secret ${secret}` },
      times: 1_000,
    });
    const log = capturingLogger();
    const { run, deadLetters } = await world.resync({ log });
    const everything = `${JSON.stringify(run)}\n${log.text()}\n${deadLetters.join("\n")}`;
    expect(everything).toContain("bad secret [redacted]");
    expect(everything).not.toContain(secret);
  });
});

describe("replies during reconciliation", () => {
  it("a lasting 502 HTML page on search fails the run with the route, status and trace id; nothing deleted", async () => {
    const { world, run } = await resyncWhile({
      route: "search",
      status: 502,
      body: BAD_GATEWAY,
      times: 1_000,
    });
    expect(run.status).toBe("failed");
    expect(thingSummary(run)).toMatchObject({ items: 3, entities: 3, failures: 0 });
    expect(run.summary?.deletion).toMatchObject({ performed: false });
    expect(run.summary?.deletion.reason).toMatch(
      /reconciliation failed: Port 502 http_502 on POST \/v1\/blueprints\/thing\/entities\/search \(trace \w+\)/,
    );
    expect(world.ids()).toContain("ok-4");
  });

  it("a search reply cut short fails the run as an invalid response; nothing deleted", async () => {
    const { world, run } = await resyncWhile({
      route: "search",
      status: 200,
      body: '{"ok":true,"entities":[{"identif',
      times: 1_000,
    });
    expect(run.status).toBe("failed");
    expect(run.summary?.deletion.reason).toMatch(/invalid_response .*search reply has no entities/);
    expect(world.ids()).toContain("ok-4");
  });

  it("a search cursor that never moves stops the scan instead of looping; nothing deleted", async () => {
    const page = { ok: true, entities: [{ identifier: "ok-1" }], next: "same-cursor" };
    const { world, run } = await resyncWhile({ route: "search", status: 200, body: page, times: 1_000 });
    expect(run.status).toBe("failed");
    expect(run.summary?.deletion.reason).toMatch(/search returned the same cursor twice/);
    expect(world.ids()).toContain("ok-4");
  });

  it("a 500 HTML page on bulk delete fails the run and says which entity could not be deleted", async () => {
    const { world, run } = await resyncWhile({
      route: "bulkDelete",
      status: 500,
      body: "<html>oops</html>",
      times: 1_000,
    });
    expect(run.status).toBe("failed");
    expect(run.summary?.deletion).toMatchObject({ performed: true, toDelete: 1 });
    expect(run.summary?.deletion.reason).toMatch(/1 stale entit\(ies\) could not be deleted: thing\/ok-4/);
    expect(world.ids()).toContain("ok-4");
  });

  it("an HTML page on the resync-state report does not fail a good run", async () => {
    const { world, run, log } = await resyncWhile({
      route: "resyncState",
      status: 500,
      body: "<html>oops</html>",
      times: 1_000,
    });
    expectNothingLost(world, run);
    expect(log.lines.some((l) => l.level === "warn" && /resync state/.test(l.message))).toBe(true);
  });
});
