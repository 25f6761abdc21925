import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tide } from "../support/tide-cli.ts";
import { BLUEPRINTS, INTEGRATION, startWorld, type World } from "../support/world.ts";

let world: World;
let cwd: string;
beforeEach(async () => {
  world = await startWorld({ github: { repos: 8, pullsPerRepo: 2, issuesPerRepo: 1, teams: 2 } });
  cwd = await mkdtemp(join(tmpdir(), "tide-cli-"));
});
afterEach(async () => world.close());

const githubEnv = () => ({
  GITHUB_ORG: world.github.org.login,
  GITHUB_TOKEN: world.github.token,
  GITHUB_API_URL: world.github.url,
});
const portEnv = () => ({
  PORT_CLIENT_ID: world.port.credentials.clientId,
  PORT_CLIENT_SECRET: world.port.credentials.clientSecret,
  PORT_BASE_URL: world.port.url,
  TIDE_INTEGRATION_ID: INTEGRATION,
});

describe("tide resync --local", () => {
  it("resyncs into Port and ends with a summary table", async () => {
    const run = await tide(["resync", "--local"], { cwd, env: { ...githubEnv(), ...portEnv() } });
    expect(run.stderr).toMatch(/using the github source's default mapping/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: completed in/);
    expect(run.stdout).toMatch(/^repository\s+8\s+8\s+0\s+0\s+0$/m);
    expect(world.actual()).toEqual(world.expected());
  });

  it("prints the summary as JSON with --json, and only that on stdout", async () => {
    const run = await tide(["resync", "--local", "--json", "--kinds", "repository"], {
      cwd,
      env: { ...githubEnv(), ...portEnv() },
    });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.status).toBe("completed");
    expect(summary.kinds).toEqual([expect.objectContaining({ kind: "repository", entities: 8 })]);
    expect(world.port.entities(BLUEPRINTS.pullRequest)).toEqual([]);
  });

  it("writes to a local file catalog when Port is not configured, saying so", async () => {
    const run = await tide(["resync", "--local"], { cwd, env: githubEnv() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /PORT_CLIENT_ID and PORT_CLIENT_SECRET are not set: writing to \.tide\/catalog\//,
    );
    const repos = JSON.parse(await readFile(join(cwd, ".tide/catalog/githubRepository.json"), "utf8"));
    expect(repos.map((r: { identifier: string }) => r.identifier).sort()).toEqual(
      world.expected()[BLUEPRINTS.repository],
    );
  });

  it("plans without writing: creates first, then field-level updates and deletions", async () => {
    const env = { ...githubEnv(), ...portEnv() };
    const first = await tide(["resync", "--local", "--plan"], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/plan: \d+ to create, 0 to update, 0 unchanged, 0 to delete/);
    expect(world.port.requestCount("bulkUpsert") + world.port.requestCount("bulkDelete")).toBe(0);
    expect(world.actual()[BLUEPRINTS.repository]).toEqual([]);

    await tide(["resync", "--local"], { cwd, env });
    const [repo] = world.github.org.repoNames();
    const pull = (world.github.org.pulls(repo!, "open") as Array<{ number: number }>)[0]!;
    world.github.org.updatePull(repo!, pull.number, { title: "renamed in GitHub" });
    world.github.org.removeRepos(1);
    const before = world.actual();
    world.port.resetRequests();
    const plan = await tide(["resync", "--local", "--plan", "--json"], { cwd, env });
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout);
    expect(parsed.update).toContainEqual({
      blueprint: BLUEPRINTS.pullRequest,
      identifier: `${repo}-${pull.number}`,
      changes: [
        expect.stringMatching(/^title: ".*" → "renamed in GitHub"$/),
        expect.stringMatching(/^properties\.updatedAt: "[^"]+" → "[^"]+"$/),
      ],
    });
    expect(parsed.delete.length).toBeGreaterThan(0);
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
    expect(world.actual()).toEqual(before);
  });

  it("names a missing setting, never prints a token, and exits 2", async () => {
    const run = await tide(["resync", "--local"], {
      cwd,
      env: { GITHUB_TOKEN: "ghp_secret_value_123", GITHUB_API_URL: world.github.url },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/GITHUB_ORG/);
    expect(run.stderr + run.stdout).not.toContain("ghp_secret_value_123");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects an invalid config with its path and line, and exits 2", async () => {
    await writeFile(
      join(cwd, "port-app-config.yml"),
      "resources:\n  - kind: repository\n    selector:\n      query: 'true'\n    port:\n      entity:\n        mappings:\n          title: .name\n",
    );
    const run = await tide(["resync", "--local"], { cwd, env: githubEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/resources\[0\]\.port\.entity\.mappings\.identifier/);
    expect(run.stderr).toMatch(/line \d+/);
  });

  it("rejects a bad flag or an unknown kind with exit code 2", async () => {
    const flag = await tide(["resync", "--local", "--concurency", "3"], { cwd, env: githubEnv() });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option --concurency/);
    const kind = await tide(["resync", "--local", "--kinds", "deployment"], { cwd, env: githubEnv() });
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/deployment/);
  });

  it("exits 1 when the resync fails, listing the failures with Port's trace id", async () => {
    world.port.state.store.blueprints.get(BLUEPRINTS.team)!.schema.properties.slug = { type: "number" };
    const run = await tide(["resync", "--local", "--kinds", "team"], {
      cwd,
      env: { ...githubEnv(), ...portEnv() },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/: failed in/);
    expect(run.stdout).toMatch(/team, item .+: githubTeam\/.+ \(HTTP 422 .*trace [0-9a-f]+\)/);
  });
});

describe("tide resync with a jq expression that does not compile", () => {
  it("exits 2 naming the file, field and line, with --json saying so, and writes nothing", async () => {
    const { githubDefaults } = await import("../../lib/source/github/defaults.ts");
    const text = (await githubDefaults.portAppConfig()).replace(
      "language: .language",
      `language: '(.language // "none"'`,
    );
    const line = text.split("\n").findIndex((l) => l.includes('(.language // "none"')) + 1;
    await writeFile(join(cwd, "broken.yml"), text);
    world.port.resetRequests();
    const run = await tide(["resync", "--local", "--config", "broken.yml", "--json"], {
      cwd,
      env: { ...githubEnv(), ...portEnv() },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `broken\\.yml: resources\\[0\\]\\.port\\.entity\\.mappings\\.properties\\.language: jq .*\\(line ${line}\\)`,
      ),
    );
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ status: "error", exitCode: 2 });
    expect(json.error).toMatch(/language/);
    expect(world.port.entities(BLUEPRINTS.repository)).toEqual([]);
    const writes = Object.entries(world.port.requestsByRoute()).filter(
      ([route]) => !/^GET|token|^auth$/i.test(route),
    );
    expect(writes).toEqual([]);
  });
});

describe("tide setup", () => {
  it("creates the default blueprints, then changes nothing on a second run", async () => {
    await world.close();
    world = await startWorld({ port: { blueprints: [] } });
    const env = portEnv();
    const first = await tide(["setup"], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/githubRepository: created/);
    // The integration was there without a mapping: it gets this version and the default mapping.
    expect(first.stdout).toMatch(
      /integration github-test: updated, mapping from the github source's default/,
    );
    expect(world.port.state.store.blueprints.has(BLUEPRINTS.pullRequest)).toBe(true);
    const second = await tide(["setup"], { cwd, env });
    expect(second.stdout.trim().split("\n")).toEqual([
      "githubRepository: unchanged",
      "githubTeam: unchanged",
      "githubPullRequest: unchanged",
      "githubIssue: unchanged",
      "integration github-test: unchanged",
    ]);
  });

  it("needs Port credentials", async () => {
    const run = await tide(["setup"], { cwd, env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/PORT_CLIENT_ID and PORT_CLIENT_SECRET must be set/);
  });
});
