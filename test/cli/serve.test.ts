import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, example, retarget } from "../live/webhooks.ts";
import { tide } from "../support/tide-cli.ts";
import { BLUEPRINTS, cliEnv, INTEGRATION, startWorld, type World } from "../support/world.ts";

const TIDE = new URL("../../bin/tide.js", import.meta.url).pathname;
const SECRET = "serve-secret";
let world: World;
let env: Record<string, string>;
let cwd: string;

beforeAll(async () => {
  world = await startWorld({ github: { repos: 3, pullsPerRepo: 2, issuesPerRepo: 1, teams: 1, seed: 8 } });
  cwd = mkdtempSync(join(tmpdir(), "tide-serve-"));
  env = {
    ...cliEnv(world),
    GITHUB_WEBHOOK_SECRET: SECRET,
  };
});
afterAll(async () => {
  await world?.close();
});

/** `tide serve` as a process; resolves once it printed where it listens. */
function serve(): Promise<{
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  next: (text: string) => Promise<void>;
}> {
  const child = spawn(process.execPath, [TIDE, "serve", "--local", "--port", "0"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
  });
  let stderr = "";
  const waiting: Array<{ text: string; resolve: () => void }> = [];
  child.stderr.on("data", (d) => {
    stderr += d;
    for (const w of waiting.splice(0)) {
      if (stderr.includes(w.text)) w.resolve();
      else waiting.push(w);
    }
  });
  const next = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      waiting.push({ text, resolve });
      child.once("close", () => reject(new Error(`tide serve ended before printing "${text}": ${stderr}`)));
    });
  return next("listening on").then(() => ({
    child,
    url: /listening on (http:\/\/[^\s]+)/.exec(stderr)?.[1] ?? "",
    stderr: () => stderr,
    next,
  }));
}

describe("tide serve --local", () => {
  it("applies a signed webhook, starts a resync on POST /resync, and stops on SIGTERM", async () => {
    const server = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    try {
      const repo = world.github.org.repoNames()[0] as string;
      const payload = retarget(example("repository", "edited"), world.github.org, repo);
      const answer = await deliver(server.url, "repository", payload, {
        delivery: "delivery-1",
        secret: SECRET,
      });
      expect(answer.status).toBe(202);
      await server.next("delivery-1 applied");
      expect(world.port.entity(BLUEPRINTS.repository, repo)).toBeDefined();

      const resync = await fetch(`${server.url}/resync`, { method: "POST", body: "{}" });
      expect(resync.status).toBe(202);
      await server.next(" completed");
      expect(world.actual()).toEqual(world.expected());
      const health = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ ok: true, applied: 1, queued: 0 });
    } finally {
      const closed = new Promise<number | null>((resolve) => server.child.once("close", resolve));
      server.child.kill("SIGTERM");
      expect(await closed).toBe(0);
    }
    expect(server.stderr()).not.toContain(SECRET);
  });

  it("starts one resync for a burst of Port changelog requests, and refuses a forged Port signature", async () => {
    const server = await serve();
    try {
      const runsBefore = world.port
        .resyncHistory(INTEGRATION)
        .filter((r) => r.state.status === "running").length;
      const forged = await fetch(`${server.url}/resync`, {
        method: "POST",
        body: "{}",
        headers: { "x-port-timestamp": String(Math.floor(Date.now() / 1000)), "x-port-signature": "v1,AAAA" },
      });
      expect(forged.status).toBe(401);
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => fetch(`${server.url}/resync`, { method: "POST", body: "{}" })),
      );
      expect(burst.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      await server.next(" completed");
      const runsAfter = world.port
        .resyncHistory(INTEGRATION)
        .filter((r) => r.state.status === "running").length;
      expect(runsAfter - runsBefore).toBe(1);
      expect(server.stderr().match(/resync \S+ completed/g)).toHaveLength(1);
    } finally {
      const closed = new Promise<number | null>((resolve) => server.child.once("close", resolve));
      server.child.kill("SIGTERM");
      await closed;
    }
  });

  it("tide setup --webhook-url creates the org webhook once", async () => {
    const args = ["setup", "--webhook-url", "https://hooks.example.test/webhooks/github"];
    const first = await tide(args, { cwd, env });
    expect(first.stderr).toBe(
      "tide: no port-app-config.yml here: using the github source's default mapping\n",
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /webhook \d+ → https:\/\/hooks\.example\.test\/webhooks\/github: created \(issues, member, membership, pull_request, repository, team\)/,
    );
    const second = await tide(args, { cwd, env });
    expect(second.stdout).toContain(": unchanged (");
    expect(world.github.hooks).toHaveLength(1);
  });

  it("refuses to start without --local or without GITHUB_WEBHOOK_SECRET", async () => {
    const remote = await tide(["serve"], { cwd, env });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("serve needs --local");
    const { GITHUB_WEBHOOK_SECRET: _, ...noSecret } = env;
    const unsigned = await tide(["serve", "--local", "--port", "0"], { cwd, env: noSecret });
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain("GITHUB_WEBHOOK_SECRET must be set");
  });
});
