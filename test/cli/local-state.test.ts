// Local runs keep state between them (.tide/state.json), and Ctrl-C ends one cleanly. Through
// the real `tide` command against the GitHub and Port fakes on 127.0.0.1.
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tide } from "../support/tide-cli.ts";
import { INTEGRATION, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "tide-state-"));
});
afterEach(async () => world?.close());

const githubEnv = (w: World) => ({
  GITHUB_ORG: w.github.org.login,
  GITHUB_TOKEN: w.github.token,
  GITHUB_API_URL: w.github.url,
});
const portEnv = (w: World) => ({
  PORT_CLIENT_ID: w.port.credentials.clientId,
  PORT_CLIENT_SECRET: w.port.credentials.clientSecret,
  PORT_BASE_URL: w.port.url,
  TIDE_INTEGRATION_ID: INTEGRATION,
});
const unchangedOf = (stdout: string) =>
  (JSON.parse(stdout).kinds as Array<{ unchanged: number }>).reduce((sum, k) => sum + k.unchanged, 0);

describe("local state", () => {
  it("a second resync --local reports unchanged entities, --fresh writes them all again", async () => {
    world = await startWorld({ github: { repos: 6, pullsPerRepo: 1, issuesPerRepo: 1, teams: 2 } });
    const env = { ...githubEnv(world), ...portEnv(world) };
    const first = await tide(["resync", "--local", "--json"], { cwd, env });
    expect(first.code).toBe(0);
    expect(unchangedOf(first.stdout)).toBe(0);
    world.port.resetRequests();

    const second = await tide(["resync", "--local", "--json"], { cwd, env });
    expect(second.code).toBe(0);
    const kinds = JSON.parse(second.stdout).kinds as Array<{
      kind: string;
      entities: number;
      unchanged: number;
    }>;
    const firstKinds = JSON.parse(first.stdout).kinds as Array<{ kind: string; entities: number }>;
    expect(kinds.map((k) => [k.kind, k.entities, k.unchanged])).toEqual(
      firstKinds.map((k) => [k.kind, 0, k.entities]),
    );
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
    expect(world.actual()).toEqual(world.expected());

    const fresh = await tide(["resync", "--local", "--json", "--fresh"], { cwd, env });
    expect(fresh.code).toBe(0);
    expect(unchangedOf(fresh.stdout)).toBe(0);

    const state = JSON.parse(await readFile(join(cwd, ".tide/state.json"), "utf8"));
    expect(Object.keys(state.targets)).toEqual([`port ${world.port.url}`]);
    expect(state.targets[`port ${world.port.url}`].runs.map((r: { status: string }) => r.status)).toEqual([
      "completed",
      "completed",
      "completed",
    ]);
  });

  it("keeps hashes per target: a file catalog's run does not make Port's entities unchanged", async () => {
    world = await startWorld({ github: { repos: 3, pullsPerRepo: 1, issuesPerRepo: 0, teams: 1 } });
    const toFile = await tide(["resync", "--local", "--json"], { cwd, env: githubEnv(world) });
    expect(toFile.code).toBe(0);
    const toPort = await tide(["resync", "--local", "--json"], {
      cwd,
      env: { ...githubEnv(world), ...portEnv(world) },
    });
    expect(toPort.code).toBe(0);
    expect(unchangedOf(toPort.stdout)).toBe(0);
    expect(world.actual()).toEqual(world.expected());
  });
});

describe("Ctrl-C", () => {
  it("stops listing, marks the run aborted in Port, deletes nothing, and exits 130", async () => {
    world = await startWorld({ github: { repos: 30, pullsPerRepo: 10, issuesPerRepo: 5, teams: 2 } });
    const env = { ...githubEnv(world), ...portEnv(world) };
    const full = await tide(["resync", "--local", "--quiet"], { cwd, env });
    expect(full.code).toBe(0);
    const before = world.actual();

    world.github.latencyMs = 40; // slow enough that the second run is still listing when stopped
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "../../bin/tide.js"), "resync", "--local", "--fresh"],
      {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1", ...env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (d) => {
        stderr += d;
        // The first progress line: the run is open and listing.
        if (/\[\d+s\] .*still listing/.test(stderr)) resolve();
      }),
    );
    child.kill("SIGINT");
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopping \(Ctrl-C\): no more listing/);
    expect(stdout).toMatch(
      /aborted \(Ctrl-C\) after \d+ items listed, \d+ entities written; nothing deleted/,
    );
    expect(world.actual()).toEqual(before);
    expect(world.port.resyncHistory(INTEGRATION).at(-1)).toMatchObject({ state: { status: "aborted" } });
    const state = JSON.parse(await readFile(join(cwd, ".tide/state.json"), "utf8"));
    expect(Object.values<{ runs: Array<{ status: string }> }>(state.targets)[0]?.runs[0]?.status).toBe(
      "aborted",
    );
  });
});
