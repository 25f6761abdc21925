import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubMoreKindsConfig } from "../../lib/source/github/defaults.ts";
import { createGitHubSource } from "../../lib/source/github/index.ts";
import { getKind } from "../../lib/source/index.ts";
import { collect, itemsOf } from "../source/helpers.ts";
import { tide } from "../support/tide-cli.ts";
import { cliEnv, startWorld, type World } from "../support/world.ts";

/**
 * Ocean compatibility, on Ocean's own material (vendored in `test/fakes/github/ocean/`): its
 * example raw items map cleanly with Ocean's mapping, Tide's items carry every field Ocean's do,
 * and its shipped default config, with its blueprints, resyncs against the GitHub fake.
 */

const OCEAN = new URL("../fakes/github/ocean/", import.meta.url);
const oceanFile = (path: string) => new URL(path, OCEAN);

/** The kinds of this file's part whose examples Ocean ships. */
const EXAMPLE_KINDS = ["branch", "collaborator", "environment", "team", "user", "workflow", "workflow-run"];

/**
 * Ocean's example items of a kind. Ocean redacted some names as `[REDACTED]`, brackets that no
 * real repository name has (GitHub allows letters, digits, "-", "_" and "."): they are read as
 * `REDACTED`, so that a redaction is not taken for a mapping failure.
 */
async function examples(kind: string): Promise<Array<Record<string, unknown>>> {
  const dir = oceanFile(`examples/${kind}/`);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (f) =>
      JSON.parse((await readFile(new URL(f, dir), "utf8")).replaceAll("[REDACTED]", "REDACTED")),
    ),
  );
}

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "tide-ocean-"));
  await writeFile(join(cwd, "more-kinds.yml"), await githubMoreKindsConfig());
});

describe("Ocean's GitHub material", () => {
  it.each(EXAMPLE_KINDS)("maps Ocean's example %s items without a failure", async (kind) => {
    // Ocean's mapping of team members reads `.members.nodes`: only teams read with members have them.
    const items = (await examples(kind)).filter((item) => kind !== "team" || "members" in item);
    await writeFile(join(cwd, `${kind}.json`), JSON.stringify(items));
    const run = await tide(
      ["map", "--config", "more-kinds.yml", "--kind", kind, "--input", `${kind}.json`, "--json"],
      { cwd },
    );
    expect(run.stderr).toBe("");
    const output = JSON.parse(run.stdout) as {
      resources: Array<{ entities: unknown[]; failures: unknown[]; skipped: unknown[] }>;
    };
    for (const resource of output.resources) {
      expect(resource.failures).toEqual([]);
      expect(resource.skipped).toEqual([]);
    }
    expect(run.code).toBe(0);
    expect(output.resources.flatMap((r) => r.entities).length).toBeGreaterThan(0);
  });

  describe("items Tide reads from the fake", () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld({ github: { repos: 3, teams: 3, seed: 31 } });
    });
    afterAll(() => world?.close());

    it.each(EXAMPLE_KINDS)("%s: carry every top-level field of Ocean's examples", async (kind) => {
      const source = createGitHubSource({
        org: world.github.org.login,
        apiUrl: world.github.url,
        token: world.github.token,
      });
      const k = getKind(source, kind);
      const partitions: Array<string | undefined> = [];
      if (k.partitions) for await (const p of k.partitions()) partitions.push(p);
      else partitions.push(undefined);
      const ours: Array<Record<string, unknown>> = [];
      for (const partition of partitions)
        ours.push(...(itemsOf(await collect(k.pages({ partition }))) as Array<Record<string, unknown>>));
      expect(ours.length).toBeGreaterThan(0);
      const theirs = await examples(kind);
      // Ocean's team examples are of both shapes (with members and without): compare like with like.
      const like = kind === "team" ? theirs.filter((t) => "members" in t) : theirs;
      const ourKeys = new Set(ours.flatMap((item) => Object.keys(item)));
      // A branch's `_links` comes only with Ocean's `detailed` selector (one request per branch),
      // which Tide does not support (README, Differences from Ocean).
      const unsupported = kind === "branch" ? ["_links"] : [];
      const missing = [...new Set(like.flatMap((item) => Object.keys(item)))].filter(
        (key) => !ourKeys.has(key) && !unsupported.includes(key),
      );
      expect(missing, `${kind}: fields Ocean's items have and Tide's lack`).toEqual([]);
    });
  });

  it("resyncs Ocean's shipped default config, with Ocean's blueprints, against the fake", async () => {
    const blueprints = JSON.parse(await readFile(oceanFile("resources/blueprints.json"), "utf8"));
    // Ocean's shipped mapping writes `prNumber`, which its shipped githubPullRequest blueprint
    // lacks (Port refuses an unknown property): add it, as a user installing both would have to.
    const pullRequest = blueprints.find((b: { identifier: string }) => b.identifier === "githubPullRequest");
    pullRequest.schema.properties.prNumber = { title: "PR Number", type: "number" };
    const world = await startWorld({ github: { repos: 6, pullsPerRepo: 3, seed: 37 }, port: { blueprints } });
    try {
      const config = join(cwd, "ocean-default.yml");
      await writeFile(config, await readFile(oceanFile("resources/port-app-config.yml"), "utf8"));
      const env = {
        ...cliEnv(world),
      };
      const validate = await tide(["validate", "--config", config], { cwd, env });
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      const run = await tide(["resync", "--local", "--json", "--config", config], { cwd, env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).status).toBe("completed");
      const ids = (blueprint: string) =>
        world.port
          .entities(blueprint)
          .map((e) => e.identifier)
          .sort();
      expect(ids("githubOrganization")).toEqual([world.github.org.login]);
      expect(ids("githubRepository")).toEqual([...world.github.org.repoNames()].sort());
      const open = world.github.org
        .repoNames()
        .flatMap((repo) => world.github.org.pulls(repo, "open").map((pr) => `${repo}${pr.id}`));
      expect(ids("githubPullRequest")).toEqual(open.sort());
      const repo = world.port.entity("githubRepository", world.github.org.repoNames()[0] as string);
      expect(repo?.relations.organization).toBe(world.github.org.login);
    } finally {
      await world.close();
    }
  });
});
