// `tide resync --local --incremental`, through the real command against the fakes: the first
// one is a full resync that says why; the next lists only what changed and deletes nothing.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tide } from "../support/tide-cli.ts";
import { BLUEPRINTS, cliEnv, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
afterEach(async () => world?.close());

describe("tide resync --incremental", () => {
  it("is a full resync until one completed, then lists only the changes since it, and deletes nothing", async () => {
    world = await startWorld({ github: { repos: 6, pullsPerRepo: 2, issuesPerRepo: 1, teams: 2 } });
    const cwd = await mkdtemp(join(tmpdir(), "tide-incremental-"));
    const env = cliEnv(world);
    const first = await tide(["resync", "--local", "--incremental", "--quiet"], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      "a full resync, not incremental: no completed run of this integration yet",
    );

    const [a, gone] = world.github.org.repoNames() as [string, string];
    world.github.org.addIssues(a, 1);
    world.github.org.removeRepo(gone);
    const second = await tide(["resync", "--local", "--incremental", "--quiet"], { cwd, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /incremental: changes since \S+ \(run \S+ less a margin\); team left to full resyncs/,
    );
    expect(second.stdout).toContain(
      "deleted nothing: an incremental run deletes nothing: deletions are decided by full resyncs",
    );
    expect(world.port.entity(BLUEPRINTS.repository, gone)).toBeDefined();

    const json = await tide(["resync", "--local", "--incremental", "--json"], { cwd, env });
    const summary = JSON.parse(json.stdout);
    expect(summary.incremental.notCovered).toEqual(["team"]);
    expect(summary.kinds.map((k: { kind: string }) => k.kind)).toEqual([
      "repository",
      "pull-request",
      "issue",
    ]);
  });

  it("is explained in the help, with an example", async () => {
    const help = await tide(["resync", "--help"], { cwd: tmpdir() });
    expect(help.stdout).toContain("--incremental");
    expect(help.stdout).toContain("tide resync --local --incremental");
  });
});
