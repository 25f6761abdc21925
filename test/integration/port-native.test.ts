import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { githubDefaults } from "../../lib/source/github/defaults.ts";
import pkg from "../../package.json" with { type: "json" };
import type { PortFakeOptions } from "../fakes/port/index.ts";
import { tide } from "../support/tide-cli.ts";
import { BLUEPRINTS, cliEnv, INTEGRATION, startWorld, type World } from "../support/world.ts";

/** Tide as an integration in Port, through the `tide` command against the local Port. */

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const DEFAULT_TEXT = await githubDefaults.portAppConfig();
/** The default mapping cut to one kind, as Port would store it (plain JSON data). */
function only(kind: string): Record<string, unknown> {
  const doc = parse(DEFAULT_TEXT) as { resources: Array<{ kind: string }> };
  return { ...doc, resources: doc.resources.filter((r) => r.kind === kind) };
}
const kindsOf = (config: unknown) =>
  ((config as { resources?: Array<{ kind: string }> })?.resources ?? []).map((r) => r.kind);

async function setUp(integrations: PortFakeOptions["integrations"], files: Record<string, unknown> = {}) {
  world = await startWorld({
    github: { repos: 12, pullsPerRepo: 1, issuesPerRepo: 1, teams: 2, seed: 13 },
    port: { integrations },
  });
  const cwd = mkdtempSync(join(tmpdir(), "tide-native-"));
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(cwd, name), stringify(doc));
  const env = {
    ...cliEnv(world),
  };
  return {
    world,
    cwd,
    env,
    resync: (...args: string[]) => tide(["resync", "--local", ...args], { cwd, env }),
  };
}

const count = (w: World, blueprint: string) => w.port.entities(blueprint).length;

describe("registration", () => {
  it("registers the integration on the first run, with the mapping it used, and reports the run", async () => {
    const { world, resync } = await setUp([]);
    const run = await resync();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/registered integration "github-test" in Port/);
    const integration = world.port.integration(INTEGRATION);
    expect(integration).toMatchObject({
      installationId: INTEGRATION,
      installationAppType: "github",
      version: pkg.version,
    });
    expect(integration?.config).toEqual(parse(DEFAULT_TEXT));

    // Resync state with Ocean's field names: running with its start, then completed with its end.
    const states = world.port.resyncHistory(INTEGRATION).map((r) => r.state);
    expect(states.map((s) => s.status)).toEqual(["running", "completed"]);
    expect(states[0]).toMatchObject({ lastResyncEnd: null, nextResync: null, intervalInMinuets: null });
    expect(Date.parse(String(states[1]?.lastResyncEnd))).toBeGreaterThanOrEqual(
      Date.parse(String(states[0]?.lastResyncStart)),
    );

    // Examples for Port's mapping editor: ten raw repositories as GitHub returned them.
    const examples = world.port.kindExamples(INTEGRATION, "repository") as Array<{ name: string }>;
    expect(examples).toHaveLength(10);
    for (const e of examples) expect(world.github.org.repoNames()).toContain(e.name);
    expect(world.port.kindExamples(INTEGRATION, "team")).toHaveLength(2);

    // The run's log lines reached the integration's page.
    const messages = world.port.integrationLogs(INTEGRATION).map((l) => l.message);
    expect(messages).toContain("resync started");
    expect(messages).toContain("resync completed");
  });

  it("later runs update the version and never overwrite the mapping edited in Port", async () => {
    const edited = only("repository");
    const { world, resync } = await setUp(
      [
        {
          identifier: INTEGRATION,
          installationId: INTEGRATION,
          installationAppType: "github",
          version: "0.0.1",
          config: edited,
        },
      ],
      // A local file does not win over Port's mapping.
      { "port-app-config.yml": only("team") },
    );
    const run = await resync();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/using the mapping of Port integration "github-test"/);
    expect(world.port.integration(INTEGRATION)).toMatchObject({ version: pkg.version, config: edited });
    expect(count(world, BLUEPRINTS.repository)).toBe(12);
    expect(count(world, BLUEPRINTS.team)).toBe(0);
  });
});

describe("which mapping a run uses", () => {
  it("1. --config FILE, over the mapping in Port (which stays as it is)", async () => {
    const inPort = only("repository");
    const { world, resync } = await setUp([{ identifier: INTEGRATION, config: inPort }], {
      "teams.yml": only("team"),
    });
    const run = await resync("--config", "teams.yml");
    expect(run.code, run.stderr).toBe(0);
    expect(count(world, BLUEPRINTS.team)).toBe(2);
    expect(count(world, BLUEPRINTS.repository)).toBe(0);
    expect(world.port.integration(INTEGRATION)?.config).toEqual(inPort);
  });

  it("2. otherwise the integration's mapping in Port", async () => {
    const { world, resync } = await setUp([{ identifier: INTEGRATION, config: only("team") }]);
    const run = await resync();
    expect(run.code, run.stderr).toBe(0);
    expect(count(world, BLUEPRINTS.team)).toBe(2);
    expect(count(world, BLUEPRINTS.repository)).toBe(0);
  });

  it("3. otherwise ./port-app-config.yml (Port keeps no mapping)", async () => {
    const { world, resync } = await setUp([{ identifier: INTEGRATION, config: {} }], {
      "port-app-config.yml": only("repository"),
    });
    const run = await resync();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/using port-app-config.yml/);
    expect(count(world, BLUEPRINTS.repository)).toBe(12);
    expect(count(world, BLUEPRINTS.team)).toBe(0);
    expect(world.port.integration(INTEGRATION)?.config).toEqual({});
  });

  it("4. otherwise the source's default, which is then stored in Port", async () => {
    const { world, resync } = await setUp([{ identifier: INTEGRATION, config: {} }]);
    const run = await resync();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /stored the github source's default mapping as the integration's mapping in Port/,
    );
    expect(kindsOf(world.port.integration(INTEGRATION)?.config)).toEqual(kindsOf(parse(DEFAULT_TEXT)));
    expect(count(world, BLUEPRINTS.team)).toBe(2);
    expect(count(world, BLUEPRINTS.repository)).toBe(12);
  });

  it("an invalid mapping in Port fails the run before anything is written, reported to Port and on stderr", async () => {
    const broken = only("repository") as {
      resources: Array<{ port: { entity: { mappings: Record<string, unknown> } } }>;
    };
    (
      broken.resources[0] as { port: { entity: { mappings: Record<string, unknown> } } }
    ).port.entity.mappings.identifier = ".name |||";
    const { world, resync } = await setUp([{ identifier: INTEGRATION, config: broken }]);
    const run = await resync();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /the mapping of integration "github-test" in Port is invalid; nothing was written/,
    );
    expect(run.stderr).toMatch(/resources\[0\]\.port\.entity\.mappings\.identifier/);
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
    expect(count(world, BLUEPRINTS.repository)).toBe(0);
    const states = world.port.resyncHistory(INTEGRATION).map((r) => r.state);
    expect(states).toEqual([
      expect.objectContaining({ status: "failed", lastResyncEnd: expect.any(String) }),
    ]);
    expect(world.port.integrationLogs(INTEGRATION)).toEqual([
      expect.objectContaining({
        level: "ERROR",
        message: expect.stringMatching(/mapping in Port is invalid/),
      }),
    ]);
    // The mapping in Port is left for the user to fix.
    expect(world.port.integration(INTEGRATION)?.config).toEqual(broken);
  });

  it("reports a run that fails as failed, with its end", async () => {
    const { world, resync } = await setUp([{ identifier: INTEGRATION, config: only("team") }]);
    // Port refuses every team: the run fails.
    world.port.state.store.blueprints.get(BLUEPRINTS.team)!.schema.properties.slug = { type: "number" };
    const run = await resync();
    expect(run.code).toBe(1);
    const states = world.port.resyncHistory(INTEGRATION).map((r) => r.state.status);
    expect(states).toEqual(["running", "failed"]);
    const logs = world.port.integrationLogs(INTEGRATION).map((l) => `${l.level} ${l.message}`);
    expect(logs).toContain("INFO resync failed");
  });
});

describe("tide config pull / push", () => {
  it("pushes a valid file to Port, pulls it back, and refuses a bad one (exit 2, nothing sent)", async () => {
    const bad = {
      resources: [
        {
          kind: "repository",
          selector: { query: "true" },
          port: { entity: { mappings: { identifier: ".name |||", blueprint: '"x"' } } },
        },
      ],
    };
    const { world, cwd, env } = await setUp([{ identifier: INTEGRATION, config: only("team") }], {
      "repos.yml": only("repository"),
      "bad.yml": bad,
    });
    const refused = await tide(["config", "push", "--config", "bad.yml"], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/bad\.yml: resources\[0\]\.port\.entity\.mappings\.identifier/);
    expect(world.port.requestCount("integrationConfig")).toBe(0);
    expect(world.port.integration(INTEGRATION)?.config).toEqual(only("team"));

    const pushed = await tide(["config", "push", "--config", "repos.yml"], { cwd, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(world.port.integration(INTEGRATION)?.config).toEqual(only("repository"));

    const pulled = await tide(["config", "pull"], { cwd, env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(parse(pulled.stdout)).toEqual(only("repository"));
  });
});
