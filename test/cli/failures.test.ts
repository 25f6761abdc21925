// Failure output that scales, and a run that cannot write anything stopped before it starts.
// The real `tide` against the GitHub and Port fakes; unit checks of the grouping itself.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatFailures } from "../../lib/cli/summary.ts";
import { addToCauses, causeOf, mergeCauses } from "../../lib/pipeline/causes.ts";
import type { Failure, RunSummary } from "../../lib/pipeline/run.ts";
import { githubDefaults } from "../../lib/source/github/defaults.ts";
import { tide } from "../support/tide-cli.ts";
import { BLUEPRINTS, INTEGRATION, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
afterEach(async () => world?.close());

const env = (w: World) => ({
  GITHUB_ORG: w.github.org.login,
  GITHUB_TOKEN: w.github.token,
  GITHUB_API_URL: w.github.url,
  PORT_CLIENT_ID: w.port.credentials.clientId,
  PORT_CLIENT_SECRET: w.port.credentials.clientSecret,
  PORT_BASE_URL: w.port.url,
  TIDE_INTEGRATION_ID: INTEGRATION,
});
const only = (...ids: string[]) =>
  structuredClone(githubDefaults.blueprints).filter((b) => ids.includes(String(b.identifier))) as Array<
    Record<string, unknown>
  >;

describe("failures grouped by cause", () => {
  it("2,000 identical failures are one cause counting 2,000, with a few examples", () => {
    const failures: Failure[] = Array.from({ length: 2000 }, (_, i) => ({
      kind: "pull-request",
      item: `acme/api#${i}`,
      status: 404,
      code: "not_found",
      message: `githubPullRequest/api-${i}: blueprint "githubPullRequest" was not found`,
    }));
    const causes = addToCauses([], failures.slice(0, 1500));
    mergeCauses(
      causes,
      addToCauses([], [...failures.slice(1500), { kind: "repository", message: "jq: .x is null" }]),
    );
    expect(causes.map((c) => [c.cause, c.count, c.examples.length])).toEqual([
      [causeOf(failures[0] as Failure), 2000, 3],
      ["jq: .x is null", 1, 1],
    ]);
    const summary = { failureCount: 2001, failures: failures.slice(0, 50), causes } as unknown as RunSummary;
    const lines = formatFailures(summary);
    expect(lines[0]).toBe("2001 failure(s), 2 causes:");
    expect(lines[1]).toBe("  2000 × HTTP 404 not_found blueprint … was not found");
    expect(lines.filter((l) => l.includes("e.g."))).toHaveLength(4);
  });

  it("a run with a missing blueprint warns first, then counts its failures by cause in the table and --json", async () => {
    world = await startWorld({
      github: { repos: 6, pullsPerRepo: 3, issuesPerRepo: 0, teams: 1 },
      port: { blueprints: only(BLUEPRINTS.repository, BLUEPRINTS.team, BLUEPRINTS.issue) },
    });
    const cwd = await mkdtemp(join(tmpdir(), "tide-fail-"));
    const json = await tide(["resync", "--local", "--json", "--kinds", "repository,pull-request"], {
      cwd,
      env: env(world),
    });
    expect(json.stderr).toMatch(/missing in Port: githubPullRequest \(kind pull-request\).*tide setup/);
    expect(json.code).toBe(1);
    const summary = JSON.parse(json.stdout) as RunSummary;
    const prs = summary.kinds.find((k) => k.kind === "pull-request")?.items ?? 0;
    expect(prs).toBeGreaterThan(3);
    expect(summary.failureCount).toBe(prs);
    expect(summary.causes).toHaveLength(1);
    expect(summary.causes?.[0]).toMatchObject({ count: prs, cause: expect.stringMatching(/^HTTP 404/) });

    const table = await tide(["resync", "--local", "--kinds", "repository,pull-request"], {
      cwd,
      env: env(world),
    });
    expect(table.stdout).toMatch(new RegExp(`${prs} failure\\(s\\), 1 cause:\\n\\s+${prs} × HTTP 404`));
    expect(table.stdout.split("\n").filter((l) => l.includes("e.g."))).toHaveLength(3);
  });

  it("a run or plan whose every write would fail on missing blueprints says so first and suggests tide setup", async () => {
    world = await startWorld({
      github: { repos: 2, pullsPerRepo: 1, issuesPerRepo: 0, teams: 1 },
      port: { blueprints: [] },
    });
    const cwd = await mkdtemp(join(tmpdir(), "tide-fail-"));
    for (const args of [
      ["resync", "--local"],
      ["resync", "--local", "--plan"],
    ]) {
      const r = await tide(args, { cwd, env: env(world) });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /no blueprint this mapping writes exists in Port: githubIssue .*create them first with: tide setup/,
      );
      expect(r.stdout).toBe("");
    }
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
  });
});
