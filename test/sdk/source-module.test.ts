import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/mapping/index.ts";
import { loadSource } from "../../lib/source/load.ts";
import { type RestFake, startRestFake } from "../fakes/http/index.ts";
import { type PortFake, startPortFake } from "../fakes/port/index.ts";
import { startLambdaWorld } from "../support/lambda-world.ts";
import { tide } from "../support/tide-cli.ts";
import { startWorld } from "../support/world.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/sdk-source/", import.meta.url));

/**
 * A user's project: the source module and its mapping, and no Tide installed beside them: its
 * `import "tide-port"` is the Tide that loads it.
 */
async function userProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tide-sdk-"));
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

const ids = (entities: Array<{ identifier: string }>) => entities.map((e) => e.identifier).sort();
const catalogIds = async (dir: string, blueprint: string) =>
  ids(JSON.parse(await readFile(join(dir, ".tide/catalog", `${blueprint}.json`), "utf8")));

let api: RestFake;
let cwd: string;
beforeEach(async () => {
  api = await startRestFake({ pagination: { type: "offset" }, users: 7, teams: 4 });
  cwd = await userProject();
});
afterEach(() => api.close());

describe("a source module outside the tree", () => {
  it("tide resync --local --source ./users-api.mjs: every kind synced, then only confirmed absences deleted", async () => {
    const env = { USERS_API_URL: api.url, USERS_API_TOKEN: "tok-never-shown" };
    const first = await tide(["resync", "--local", "--source", "./users-api.mjs"], { cwd, env });
    expect(first.stderr).not.toContain("tok-never-shown");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^user\s+7\s+7\s/m);
    expect(await catalogIds(cwd, "sdkUser")).toEqual(api.users.map((u) => u.id).sort());
    expect(await catalogIds(cwd, "sdkTeam")).toEqual(["t1", "t2", "t3", "t4"]);
    expect(await catalogIds(cwd, "sdkMember")).toHaveLength(12);

    api.users.pop(); // u7: the user kind is listed again, it is gone: deleted
    api.members.get("t1")?.pop(); // t1-m3: partition t1 listed again: deleted
    api.teams.pop(); // t4: the team kind cannot be listed again: kept
    const second = await tide(["resync", "--local", "--source", "./users-api.mjs"], { cwd, env });
    expect(second.code, second.stderr).toBe(0);
    expect(await catalogIds(cwd, "sdkUser")).toEqual(["u1", "u2", "u3", "u4", "u5", "u6"]);
    expect(await catalogIds(cwd, "sdkMember")).not.toContain("t1-m3");
    expect(await catalogIds(cwd, "sdkTeam")).toEqual(["t1", "t2", "t3", "t4"]);
  });

  it("a missing setting, or a module that is not a source, is a usage error naming it", async () => {
    const unset = await tide(["resync", "--local", "--source", "./users-api.mjs"], { cwd });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(
      /invalid settings for the users-api source:\n\s+- USERS_API_URL: required, not set/,
    );
    const missing = await tide(["resync", "--local", "--source", "./nope.mjs"], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/source module \.\/nope\.mjs: no such file/);
    const notSource = await tide(["resync", "--local", "--source", "./port-app-config.yml"], { cwd });
    expect(notSource.code).toBe(2);
    expect(notSource.stderr).toMatch(/source module \.\/port-app-config\.yml/);
  });

  describe("tide setup --source", () => {
    let port: PortFake;
    beforeEach(async () => {
      port = await startPortFake();
    });
    afterEach(() => port.close());

    it("creates the module's default blueprints in Port, and running it again changes nothing", async () => {
      const env = {
        PORT_CLIENT_ID: port.credentials.clientId,
        PORT_CLIENT_SECRET: port.credentials.clientSecret,
        PORT_BASE_URL: port.url,
      };
      const run = await tide(["setup", "--source", "./users-api.mjs"], { cwd, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^sdkTeam: created$/m);
      expect(run.stdout).toMatch(/^sdkMember: created$/m);
      const again = await tide(["setup", "--source", "./users-api.mjs", "--json"], { cwd, env });
      const changes: Array<{ identifier?: string; action?: string; integration?: { action: string } }> =
        JSON.parse(again.stdout);
      expect(changes.filter((c) => c.identifier).map((c) => c.action)).toEqual([
        "unchanged",
        "unchanged",
        "unchanged",
      ]);
      expect(changes.find((c) => c.integration)?.integration?.action).toBe("unchanged");
    });
  });

  it("through the Lambda handlers (TIDE_SOURCE_MODULE), across continuations, the catalog ends exact", async () => {
    const world = await startWorld({ github: { repos: 1, pullsPerRepo: 0, issuesPerRepo: 0, teams: 0 } });
    const config = loadConfig(await readFile(join(cwd, "port-app-config.yml"), "utf8"));
    for (const blueprint of ["sdkTeam", "sdkUser", "sdkMember"]) {
      const definition = await loadSource("./users-api.mjs", cwd);
      const body = definition.defaults?.blueprints.find((b) => b.identifier === blueprint);
      if (!body) throw new Error(`the fixture source has no blueprint ${blueprint}`);
      world.port.addBlueprint(structuredClone(body));
    }
    const aws = await startLambdaWorld(
      { ...world, config },
      { env: { TIDE_SOURCE_MODULE: join(cwd, "users-api.mjs"), USERS_API_URL: api.url } },
    );
    try {
      // Every few checks the invocation runs out of time: the fanout continues in a new one.
      const shortInvocations = () => {
        let checks = 10;
        return () => (checks-- > 0 ? 15 * 60_000 : 0);
      };
      const run = await aws.resync({ remainingTime: shortInvocations });
      expect(run.status).toBe("completed");
      expect(run.continuations).toBeGreaterThanOrEqual(1);
      expect(ids(world.port.entities("sdkUser"))).toEqual(api.users.map((u) => u.id).sort());
      expect(ids(world.port.entities("sdkMember"))).toHaveLength(12);
      expect(world.port.entities("sdkMember").find((m) => m.identifier === "t2-m1")?.relations).toEqual({
        team: "t2",
      });
    } finally {
      await aws.close();
      await world.close();
    }
  });
});
