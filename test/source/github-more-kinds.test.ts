import { afterEach, describe, expect, it } from "vitest";
import type { GitHubKindName } from "../../lib/source/github/index.ts";
import { SelectorError } from "../../lib/source/index.ts";
import { collect, expectExactResume, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

type Item = Record<string, unknown>;

let fake: GitHubFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(...args: Parameters<typeof githubFixture>) {
  const fixture = await githubFixture(...args);
  fake = fixture.fake;
  return fixture;
}

const repoOf = (fake: GitHubFake, name: string) =>
  fake.org.findRepo(name).repo as NonNullable<ReturnType<GitHubFake["org"]["findRepo"]>["repo"]>;

describe("organization, user and team kinds", () => {
  it("gives the org as GET /orgs/{org} answers it, one item", async () => {
    const { fake, source } = await setup({ repos: 2 });
    const pages = await collect(source.kinds.organization.pages());
    expect(pages).toEqual([{ items: [fake.cicd.organization()], cursor: null }]);
  });

  it("gives members in Ocean's GraphQL shape, reading each profile once", async () => {
    const { fake, source } = await setup({ repos: 1, cicd: { members: 7 } });
    const items = itemsOf(await collect(source.kinds.user.pages())) as Item[];
    const members = fake.cicd.members();
    expect(items).toEqual(
      members.map((m) => {
        const profile = fake.cicd.profile(String(m.login));
        return {
          login: m.login,
          id: m.node_id,
          databaseId: m.id,
          email: profile.email ?? "",
          name: profile.name,
        };
      }),
    );
    expect(fake.stats.byRoute["GET /users/{login}"]).toBe(7);
  });

  it("gives teams their members (Ocean's members.nodes) by default, and reads none with members: false", async () => {
    const { fake, source } = await setup({ repos: 1, teams: 4, seed: 8, cicd: { members: 10 } });
    const teams = itemsOf(await collect(source.kinds.team.pages())) as Item[];
    fake.org.teams().forEach((team, i) => {
      const got = teams[i] as Item;
      expect(got.slug).toBe(team.slug);
      expect(got.__organization).toBe(fake.org.login);
      expect(got.databaseId).toBe(team.id);
      expect(got.notificationSetting).toBe(String(team.notification_setting).toUpperCase());
      const nodes = (got.members as { nodes: Item[] }).nodes;
      expect(nodes.map((n) => n.login)).toEqual(fake.cicd.teamMembers(i).map((m) => m.login));
      for (const node of nodes)
        expect(Object.keys(node).sort()).toEqual(["email", "id", "isSiteAdmin", "login", "name"]);
    });
    // A member of several teams: one profile read.
    const logins = new Set(teams.flatMap((t) => (t.members as { nodes: Item[] }).nodes.map((n) => n.login)));
    expect(fake.stats.byRoute["GET /users/{login}"]).toBe(logins.size);
    fake.resetStats();
    const bare = itemsOf(await collect(source.kinds.team.pages({ selector: { members: false } }))) as Item[];
    expect(bare.every((t) => !("members" in t))).toBe(true);
    expect(fake.stats.byRoute["GET /orgs/{org}/teams/{slug}/members"]).toBeUndefined();
    await expect(collect(source.kinds.team.pages({ selector: { members: "yes" } }))).rejects.toThrow(
      SelectorError,
    );
  });
});

describe("kinds partitioned by repository", () => {
  it("tag each item with its repository and org, as Ocean does", async () => {
    const { fake, source } = await setup({ repos: 3, seed: 9 });
    const [name] = fake.org.repoNames() as [string];
    const repo = repoOf(fake, name);
    const cases: Array<[GitHubKindName, Item[]]> = [
      ["collaborator", fake.cicd.collaborators(repo)],
      ["workflow", fake.cicd.workflows(repo)],
      ["release", fake.cicd.releases(repo)],
      ["environment", fake.cicd.environments(repo)],
      ["deployment", fake.cicd.deployments(repo)],
    ];
    for (const [kind, truth] of cases) {
      const items = itemsOf(await collect(source.kinds[kind].pages({ partition: name })));
      expect(items, kind).toEqual(truth.map((t) => ({ ...t, __repository: name, __organization: "acme" })));
    }
  });

  it("give tags and branches the repository object, and branches whether they are the default", async () => {
    const { fake, source } = await setup({ repos: 2, seed: 10, cicd: { branchesPerRepo: 3 } });
    const [name] = fake.org.repoNames() as [string];
    const tags = itemsOf(await collect(source.kinds.tag.pages({ partition: name }))) as Item[];
    expect(tags.map((t) => t.name)).toEqual(fake.cicd.tags(repoOf(fake, name)).map((t) => t.name));
    expect((tags[0]?.__repository_object as Item | undefined)?.full_name).toBe(`acme/${name}`);
    const branches = itemsOf(await collect(source.kinds.branch.pages({ partition: name }))) as Item[];
    expect(branches).toHaveLength(4);
    expect(branches.filter((b) => b.__is_default_branch).map((b) => b.name)).toEqual(["main"]);
    expect((branches[0]?.__repository_object as Item | undefined)?.default_branch).toBe("main");
    expect(branches.every((b) => b.__repository === name && b.__organization === "acme")).toBe(true);
  });

  it("filter branches by defaultBranchOnly and branchNames; refuse detailed and protectionRules", async () => {
    const { fake, source } = await setup({ repos: 1, seed: 11, cicd: { branchesPerRepo: 3 } });
    const [name] = fake.org.repoNames() as [string];
    const read = (selector: Record<string, unknown>) =>
      collect(source.kinds.branch.pages({ partition: name, selector })).then(
        (pages) => itemsOf(pages).map((b) => (b as Item).name) as string[],
      );
    expect(await read({ defaultBranchOnly: true })).toEqual(["main"]);
    const other = fake.cicd.branches(repoOf(fake, name)).find((b) => b.name !== "main")?.name as string;
    expect(await read({ branchNames: [other, "no-such-branch"] })).toEqual([other]);
    await expect(read({ detailed: true })).rejects.toThrow(/selector\.detailed is true/);
    await expect(read({ protectionRules: true })).rejects.toThrow(SelectorError);
    await expect(read({ branchNames: "main" })).rejects.toThrow(SelectorError);
  });

  it("filter collaborators by affiliation and deployments by task and environment", async () => {
    const { fake, source } = await setup({
      repos: 1,
      seed: 12,
      cicd: { collaboratorsPerRepo: 12, deploymentsPerRepo: 12 },
    });
    const [name] = fake.org.repoNames() as [string];
    const repo = repoOf(fake, name);
    const ids = async (kind: "collaborator" | "deployment", selector: Record<string, unknown>) =>
      itemsOf(await collect(source.kinds[kind].pages({ partition: name, selector }))).map(
        (i) => (i as Item).id,
      );
    const outside = fake.cicd.collaborators(repo, "outside");
    expect(outside.length).toBeGreaterThan(0);
    expect(await ids("collaborator", { affiliation: "outside" })).toEqual(outside.map((c) => c.id));
    await expect(ids("collaborator", { affiliation: "friends" })).rejects.toThrow(SelectorError);
    const filter = { task: "deploy", environment: "production" };
    const chosen = fake.cicd.deployments(repo, filter);
    expect(chosen.length).toBeGreaterThan(0);
    expect(chosen.length).toBeLessThan(12);
    expect(await ids("deployment", filter)).toEqual(chosen.map((d) => d.id));
  });

  it("refuse Ocean selectors that add fields Tide does not read, naming the kind and field", async () => {
    const { fake, source } = await setup({ repos: 1 });
    const [name] = fake.org.repoNames() as [string];
    const cases: Array<[GitHubKindName, string]> = [
      ["environment", "includeVariables"],
      ["deployment", "enrichWithFirstCommit"],
      ["user", "includeSAMLEmail"],
      ["team", "include_external_group"],
    ];
    for (const [kind, field] of cases) {
      const pages = source.kinds[kind].pages({ partition: name, selector: { [field]: true } });
      await expect(collect(pages), kind).rejects.toThrow(`kind ${kind}: selector.${field} is true`);
    }
    const off = await collect(
      source.kinds.environment.pages({ partition: name, selector: { includeVariables: false } }),
    );
    expect(itemsOf(off).length).toBeGreaterThan(0);
  });

  it("follow a repository renamed since it was listed", async () => {
    const { fake, source } = await setup({ repos: 2, seed: 17 });
    const [name] = fake.org.repoNames() as [string];
    const before = itemsOf(await collect(source.kinds.branch.pages({ partition: name }))) as Item[];
    fake.org.renameRepo(name, `${name}-renamed`);
    const after = itemsOf(await collect(source.kinds.branch.pages({ partition: name }))) as Item[];
    expect(after.map((b) => b.name)).toEqual(before.map((b) => b.name));
    expect((after[0]?.__repository_object as Item | undefined)?.name).toBe(`${name}-renamed`);
    const releases = itemsOf(await collect(source.kinds.release.pages({ partition: name })));
    expect(releases.length).toBeGreaterThan(0);
  });

  it("skip a repository GitHub blocked, naming what was blocked", async () => {
    const warnings: string[] = [];
    const { fake, source } = await setup(
      { repos: 2, seed: 13 },
      { warn: (message) => warnings.push(message) },
    );
    const [name] = fake.org.repoNames() as [string];
    fake.org.blockRepo(name, 451);
    for (const kind of ["release", "tag", "workflow-run", "deployment-status"] as const) {
      expect(await collect(source.kinds[kind].pages({ partition: name })), kind).toEqual([
        { items: [], cursor: null, unreadable: expect.stringContaining("blocked by GitHub (HTTP 451)") },
      ]);
    }
    expect(warnings).toEqual([
      `github: skipped repository acme/${name}: release blocked by GitHub`,
      `github: skipped repository acme/${name}: tag blocked by GitHub`,
      `github: skipped repository acme/${name}: workflow-run blocked by GitHub`,
      `github: skipped repository acme/${name}: deployment-status blocked by GitHub`,
    ]);
  });
});

describe("workflow-run kind", () => {
  it("reads the latest 100 runs of each workflow, one page per workflow, resuming at any workflow", async () => {
    const { fake, source } = await setup({
      repos: 1,
      seed: 14,
      cicd: { workflowsPerRepo: 3, runsPerWorkflow: 130 },
    });
    const [name] = fake.org.repoNames() as [string];
    const repo = repoOf(fake, name);
    const { pages, resumes } = await expectExactResume(
      (cursor) => source.kinds["workflow-run"].pages({ partition: name, cursor }),
      (item) => (item as Item).id,
    );
    expect(pages).toHaveLength(3);
    expect(resumes).toBe(2);
    const expected = fake.cicd
      .workflows(repo)
      .flatMap((w) => fake.cicd.runs(repo, Number(w.id)).slice(0, 100))
      .map((r) => ({ ...r, __repository: name, __organization: "acme" }));
    expect(itemsOf(pages)).toEqual(expected);
  });

  it("reads each of the selector's statuses, and only runs created since", async () => {
    const { fake, source } = await setup({
      repos: 1,
      seed: 15,
      cicd: { workflowsPerRepo: 2, runsPerWorkflow: 20 },
    });
    const [name] = fake.org.repoNames() as [string];
    const repo = repoOf(fake, name);
    const runs = fake.cicd.workflows(repo).flatMap((w) => fake.cicd.runs(repo, Number(w.id)));
    const pages = await collect(
      source.kinds["workflow-run"].pages({ partition: name, selector: { statuses: ["failure", "queued"] } }),
    );
    expect(pages).toHaveLength(4);
    const wanted = (r: Item) => r.conclusion === "failure" || r.status === "queued";
    expect(
      itemsOf(pages)
        .map((r) => (r as Item).id)
        .sort(),
    ).toEqual(
      runs
        .filter(wanted)
        .map((r) => r.id)
        .sort(),
    );
    const middle = runs.map((r) => String(r.created_at)).sort()[20] as string;
    const since = itemsOf(
      await collect(source.kinds["workflow-run"].pages({ partition: name, selector: { sinceDate: middle } })),
    );
    expect(since.length).toBe(runs.filter((r) => String(r.created_at) >= middle).length);
    await expect(
      collect(source.kinds["workflow-run"].pages({ partition: name, selector: { statuses: ["green"] } })),
    ).rejects.toThrow(SelectorError);
    await expect(
      collect(source.kinds["workflow-run"].pages({ partition: name, selector: { since: 0 } })),
    ).rejects.toThrow(/selector\.since/);
  });

  it("reads every workflow again when the one its cursor names is gone, rather than skip any", async () => {
    const { fake, source } = await setup({
      repos: 1,
      seed: 18,
      cicd: { workflowsPerRepo: 2, runsPerWorkflow: 3 },
    });
    const [name] = fake.org.repoNames() as [string];
    const all = itemsOf(await collect(source.kinds["workflow-run"].pages({ partition: name })));
    const resumed = await collect(
      source.kinds["workflow-run"].pages({ partition: name, cursor: { workflow: 1 } }),
    );
    expect(itemsOf(resumed)).toEqual(all);
    await expect(
      collect(source.kinds["workflow-run"].pages({ partition: name, cursor: "/repos/x?page=2" })),
    ).rejects.toThrow(/a cursor is \{ workflow, status\? \}/);
  });

  it("gives a repository without workflows one empty last page", async () => {
    const { fake, source } = await setup({ repos: 1, cicd: { workflowsPerRepo: 0 } });
    const [name] = fake.org.repoNames() as [string];
    expect(await collect(source.kinds["workflow-run"].pages({ partition: name }))).toEqual([
      { items: [], cursor: null },
    ]);
  });
});

describe("deployment-status kind", () => {
  it("gives every status of every deployment with its deployment id, resuming by page of deployments", async () => {
    const { fake, source } = await setup({
      repos: 1,
      seed: 16,
      cicd: { deploymentsPerRepo: 110, statusesPerDeployment: 2 },
    });
    const [name] = fake.org.repoNames() as [string];
    const repo = repoOf(fake, name);
    const { pages, resumes } = await expectExactResume(
      (cursor) => source.kinds["deployment-status"].pages({ partition: name, cursor }),
      (item) => (item as Item).id,
    );
    expect(pages.map((p) => p.items.length)).toEqual([200, 20]);
    expect(resumes).toBe(1);
    const expected = fake.cicd.deployments(repo).flatMap((d) =>
      fake.cicd.statuses(repo, Number(d.id)).map((s) => ({
        ...s,
        __repository: name,
        __organization: "acme",
        __deployment_id: String(d.id),
      })),
    );
    expect(itemsOf(pages)).toEqual(expected);
  });
});
