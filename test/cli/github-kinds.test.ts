import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  githubDefaults,
  githubKindBlueprints,
  githubMoreKindsConfig,
} from "../../lib/source/github/defaults.ts";
import type { CicdModel, FakeOrg } from "../fakes/github/index.ts";
import { tide } from "../support/tide-cli.ts";
import { cliEnv, startWorld, type World } from "../support/world.ts";

/**
 * Each GitHub kind of Ocean's documented mapping (`defaults/more-kinds.yml`), resynced alone
 * through `tide resync --local` from the GitHub fake into the Port fake: the entities Port
 * holds afterwards are exactly what GitHub has.
 */

let world: World;
let cwd: string;
let configFile: string;
beforeAll(async () => {
  world = await startWorld({
    github: {
      repos: 5,
      pullsPerRepo: 1,
      issuesPerRepo: 1,
      teams: 4,
      seed: 23,
      cicd: {
        workflowsPerRepo: (i) => i % 3,
        runsPerWorkflow: 4,
        releasesPerRepo: 2,
        tagsPerRepo: 3,
        branchesPerRepo: 2,
        environmentsPerRepo: (i) => 1 + (i % 3),
        deploymentsPerRepo: 3,
        statusesPerDeployment: 2,
        collaboratorsPerRepo: 3,
        members: 6,
      },
    },
    port: {
      blueprints: structuredClone([...githubDefaults.blueprints, ...githubKindBlueprints]) as Array<
        Record<string, unknown>
      >,
    },
  });
  cwd = await mkdtemp(join(tmpdir(), "tide-kinds-"));
  configFile = join(cwd, "port-app-config.yml");
  await writeFile(configFile, await githubMoreKindsConfig());
}, 60_000);
afterAll(() => world?.close());

const env = () => ({
  ...cliEnv(world),
});

type Truth = (org: FakeOrg, cicd: CicdModel) => string[];
const perRepo = (
  org: FakeOrg,
  ids: (repo: NonNullable<ReturnType<FakeOrg["findRepo"]>["repo"]>, name: string) => string[],
) =>
  org
    .repoNames()
    .flatMap((name) =>
      ids(org.findRepo(name).repo as NonNullable<ReturnType<FakeOrg["findRepo"]>["repo"]>, name),
    );

/** Per kind: the blueprint it fills and the identifiers GitHub's data gives, by Ocean's mapping. */
const KINDS: Array<[kind: string, blueprint: string, truth: Truth]> = [
  ["organization", "githubOrganization", (org) => [org.login]],
  ["user", "githubUser", (_, cicd) => cicd.members().map((m) => String(m.login))],
  [
    "team",
    "githubTeamMember",
    (org, cicd) => [
      ...new Set(org.teams().flatMap((_, i) => cicd.teamMembers(i).map((m) => String(m.login)))),
    ],
  ],
  [
    "collaborator",
    "githubCollaborator",
    (org, c) => perRepo(org, (r, n) => c.collaborators(r).map((x) => `${n}/${x.login}`)),
  ],
  [
    "workflow",
    "githubWorkflow",
    (org, c) => perRepo(org, (r, n) => c.workflows(r).map((w) => `${n}${w.id}`)),
  ],
  [
    "workflow-run",
    "githubWorkflowRun",
    (org, c) =>
      perRepo(org, (r, n) =>
        c.workflows(r).flatMap((w) => c.runs(r, Number(w.id)).map((x) => `${n}${x.id}`)),
      ),
  ],
  ["tag", "githubTag", (org, c) => perRepo(org, (r, n) => c.tags(r).map((t) => `${n}-${t.name}`))],
  ["release", "githubRelease", (org, c) => perRepo(org, (r, n) => c.releases(r).map((x) => `${n}-${x.id}`))],
  ["branch", "githubBranch", (org, c) => perRepo(org, (r, n) => c.branches(r).map((b) => `${n}_${b.name}`))],
  [
    "environment",
    "githubRepoEnvironment",
    (org, c) => perRepo(org, (r, n) => c.environments(r).map((e) => `${n}-${e.name}`)),
  ],
  [
    "deployment",
    "githubDeployment",
    (org, c) => perRepo(org, (r, n) => c.deployments(r).map((d) => `${n}-${d.id}`)),
  ],
  [
    "deployment-status",
    "githubDeploymentStatus",
    (org, c) =>
      perRepo(org, (r, n) =>
        c.deployments(r).flatMap((d) => c.statuses(r, Number(d.id)).map((s) => `${n}-${s.id}`)),
      ),
  ],
];

describe("tide resync --local of each GitHub kind, with Ocean's mapping", () => {
  it.each(KINDS)("%s fills %s with exactly GitHub's items", async (kind, blueprint, truth) => {
    const run = await tide(["resync", "--local", "--json", "--config", configFile, "--kinds", kind], {
      cwd,
      env: env(),
    });
    expect(run.stderr).not.toMatch(/error|failed/i);
    expect(run.code, run.stdout).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.status).toBe("completed");
    const expected = truth(world.github.org, world.github.cicd).sort();
    expect(expected.length).toBeGreaterThan(0);
    const actual = world.port
      .entities(blueprint)
      .map((e) => e.identifier)
      .sort();
    expect(actual).toEqual(expected);
  });

  it("maps users with their name and public email, team members with their name", async () => {
    const users = world.port.entities("githubUser");
    const alice = users.find((u) => u.identifier === "alice");
    expect(alice?.title).toMatch(/^Alice /);
    expect(users.some((u) => u.properties.email === "")).toBe(true);
    expect(users.some((u) => String(u.properties.email).endsWith("@example.com"))).toBe(true);
    expect(world.port.entities("githubTeamMember").every((m) => typeof m.properties.name === "string")).toBe(
      true,
    );
  });
});
