import { describe, expect, it } from "vitest";
import { receiveChangelog } from "../../lib/integration/changelog.ts";
import { KindExamples } from "../../lib/integration/examples.ts";
import { PortLog } from "../../lib/integration/logs.ts";
import { MASK, maskSecrets } from "../../lib/integration/mask.ts";
import { resyncPathSecret } from "../../lib/integration/resync-path.ts";
import { intervalMinutesOf, resyncStateOf } from "../../lib/integration/resync-state.ts";
import { portSignatureProblem, signLikePort } from "../../lib/integration/signature.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";

describe("masking what leaves for Port", () => {
  it("masks secret-looking keys (keeping the shape) and token-shaped values, and nothing else", () => {
    const item = {
      name: "api",
      description: "deploys with ghp_abcdefghijklmnopqrstuvwxyz0123456789 (oops)",
      token: "t0ps3cret",
      webhook_secret: 42,
      config: { password: "hunter2", url: "https://example.test/hook", insecure_ssl: "0" },
      credentials: { user: "bot", key: "abc" },
      security_and_analysis: { secret_scanning: { status: "enabled" } },
      has_token: true,
      secrets_url: "https://example.test/secrets",
      topics: ["a", "Bearer abcdefghijklmnopqrstuvwxyz"],
    };
    expect(maskSecrets(item)).toEqual({
      name: "api",
      description: MASK,
      token: MASK,
      webhook_secret: MASK,
      config: { password: MASK, url: "https://example.test/hook", insecure_ssl: "0" },
      credentials: { user: MASK, key: MASK },
      security_and_analysis: { secret_scanning: { status: MASK } },
      has_token: true,
      secrets_url: "https://example.test/secrets",
      topics: ["a", MASK],
    });
    expect(item.token).toBe("t0ps3cret"); // a copy: the run's items are untouched
  });
});

describe("kind examples", () => {
  it("sends up to ten masked items per kind, once, and a failing Port never fails the run", async () => {
    const sent: Array<[string, unknown[]]> = [];
    const examples = new KindExamples(
      {
        async postKindExamples(kind, items) {
          sent.push([kind, items]);
          if (kind === "team") throw new Error("Port 500");
        },
      },
      silentLogger,
    );
    const repos = Array.from({ length: 25 }, (_, i) => ({ name: `r${i}`, api_key: "k" }));
    examples.offer("repository", repos.slice(0, 4));
    examples.offer("repository", repos.slice(4));
    examples.offer("repository", repos);
    examples.offer("team", [{ slug: "a" }]);
    await examples.flush();
    expect(sent.map(([kind, items]) => [kind, items.length])).toEqual([
      ["repository", 10],
      ["team", 1],
    ]);
    expect(sent[0]?.[1][0]).toEqual({ name: "r0", api_key: MASK });
  });
});

describe("logs in Port", () => {
  it("batches lines, masks their details, and drops (never throws) when Port fails", async () => {
    const batches: number[] = [];
    let fail = false;
    const log = new PortLog(
      {
        async postLogs(_url, logs) {
          if (fail) throw new Error("Port 503");
          batches.push(logs.length);
          expect(JSON.stringify(logs)).not.toContain("hunter2");
        },
      },
      "http://127.0.0.1:1/logs",
      silentLogger,
      { batchSize: 3, flushAfterMs: 10_000 },
    );
    for (let i = 0; i < 7; i++) log.logger.info(`line ${i}`, { password: "hunter2" });
    log.logger.debug("not shipped");
    await log.close();
    expect(batches).toEqual([3, 3, 1]);
    fail = true;
    log.logger.error("lost");
    await log.close();
    expect(log.counts).toEqual({ sent: 7, dropped: 1 });
  });
});

describe("resync state", () => {
  it("uses Ocean's field names and the schedule's interval", () => {
    expect(intervalMinutesOf("rate(6 hours)")).toBe(360);
    expect(intervalMinutesOf("rate(1 day)")).toBe(1440);
    expect(intervalMinutesOf("cron(0 3 * * ? *)")).toBeUndefined();
    const start = "2026-01-01T00:00:00.000Z";
    expect(resyncStateOf({ status: "running", start }, 360)).toEqual({
      status: "running",
      lastResyncStart: start,
      lastResyncEnd: null,
      nextResync: "2026-01-01T06:00:00.000Z",
      intervalInMinuets: 360,
    });
    expect(resyncStateOf({ status: "failed", start, end: "2026-01-01T00:05:00.000Z" }, undefined)).toEqual({
      status: "failed",
      lastResyncStart: start,
      lastResyncEnd: "2026-01-01T00:05:00.000Z",
      nextResync: null,
      intervalInMinuets: null,
    });
  });
});

describe("the changelog webhook", () => {
  const secret = "port-client-secret";
  const now = Date.parse("2026-01-01T00:00:00Z");
  const endpoint = (start = async () => ({ started: true, runId: "r1" })) => ({
    pathSecret: "p".repeat(48),
    signingSecret: secret,
    start,
    log: silentLogger,
    now: () => now,
  });
  const post = (path: string, headers: Record<string, string> = {}, body = "{}") => ({
    method: "POST",
    path,
    headers,
    body,
  });

  it("starts a resync only on the secret path, checking Port's signature when it is sent", async () => {
    let starts = 0;
    const e = endpoint(async () => ({ started: ++starts === 1, runId: "r1", reason: "running" }));
    expect((await receiveChangelog(e, post("/resync"))).status).toBe(404);
    expect((await receiveChangelog(e, post(`/resync/${"q".repeat(48)}`))).status).toBe(404);
    expect(starts).toBe(0);
    const path = `/resync/${"p".repeat(48)}`;
    const forged = signLikePort("another secret", "{}", now / 1000);
    expect((await receiveChangelog(e, post(path, forged))).status).toBe(401);
    const stale = signLikePort(secret, "{}", now / 1000 - 3600);
    expect((await receiveChangelog(e, post(path, stale))).body.error).toMatch(/replay/);
    const tampered = signLikePort(secret, "{}", now / 1000);
    expect((await receiveChangelog(e, post(path, tampered, '{"x":1}'))).status).toBe(401);
    expect(starts).toBe(0);
    expect(await receiveChangelog(e, post(path, signLikePort(secret, "{}", now / 1000)))).toEqual({
      status: 202,
      body: { ok: true, started: true, runId: "r1", reason: "running" },
    });
    expect((await receiveChangelog(e, post(path))).status).toBe(409); // unsigned is allowed; the lock refuses
  });

  it("derives the deployed path from the client secret: HMAC-SHA256 over a versioned label and the integration id", () => {
    // Computed outside Tide: printf 'tide/resync-path/v1/tide-github' | openssl dgst -sha256 -hmac port-client-secret -binary | base64 | tr '+/' '-_' | tr -d '='
    expect(resyncPathSecret(secret, "tide-github")).toBe("rzskF-S4_y8p7oS6Siw0U6-j4njBqWKkgzym3iEphek");
    const path = resyncPathSecret(secret, "tide-github");
    expect(path).toMatch(/^[A-Za-z0-9_-]{43}$/); // URL-safe as it is, no padding
    expect(path).not.toContain(secret);
    // Another client secret (a rotation) or another integration of the organization: another path.
    expect(resyncPathSecret("rotated-client-secret", "tide-github")).not.toBe(path);
    expect(resyncPathSecret(secret, "tide-github-2")).not.toBe(path);
    expect(() => resyncPathSecret("", "tide-github")).toThrow(/client secret/);
  });

  it("answers 404 to a path derived from another client secret or integration id", async () => {
    let starts = 0;
    const e = {
      ...endpoint(async () => ({ started: true, runId: `r${++starts}` })),
      pathSecret: resyncPathSecret(secret, "tide-github"),
    };
    for (const other of [
      resyncPathSecret("old-client-secret", "tide-github"),
      resyncPathSecret(secret, "tide-gitlab"),
      resyncPathSecret(secret, "tide-github").slice(0, 42), // a prefix of the right one
      `${resyncPathSecret(secret, "tide-github")}x`,
    ]) {
      expect((await receiveChangelog(e, post(`/resync/${other}`))).status).toBe(404);
    }
    expect(starts).toBe(0);
    expect(
      (await receiveChangelog(e, post(`/resync/${resyncPathSecret(secret, "tide-github")}`))).status,
    ).toBe(202);
    expect(starts).toBe(1);
  });

  it("checks signatures in the published scheme: v1,base64(HMAC-SHA256(secret, ts.body))", () => {
    // Computed outside Tide: printf '1767225600.{"action":"resync"}' | openssl dgst -sha256 -hmac port-client-secret -binary | base64
    const ts = "1767225600";
    const body = '{"action":"resync"}';
    const header = "v1,sE7PJQ0MCiDaH4dJyhYtIFSt2fufDFs1jNXKs1Y15/I=";
    expect(portSignatureProblem(secret, body, ts, header, Number(ts) * 1000)).toBeUndefined();
    // Several signatures (a key rotation): one match is enough.
    expect(portSignatureProblem(secret, body, ts, `v1,AAAA ${header}`, Number(ts) * 1000)).toBeUndefined();
    expect(portSignatureProblem(secret, body, ts, header.replace("sE7", "sE8"), Number(ts) * 1000)).toMatch(
      /does not match/,
    );
    expect(portSignatureProblem(secret, body, undefined, header, Number(ts) * 1000)).toMatch(/timestamp/);
  });
});
