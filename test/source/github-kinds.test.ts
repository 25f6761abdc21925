import { afterEach, describe, expect, it } from "vitest";
import { createGitHubSource } from "../../lib/source/github/index.ts";
import { PartitionRequiredError, SelectorError, SourceHttpError } from "../../lib/source/index.ts";
import { collect, expectExactResume, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

type Item = Record<string, unknown>;
const ids = (items: unknown[]) => items.map((i) => (i as Item).id);

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

describe("repository and team kinds", () => {
  it("lists every repository of the org, 100 a page, as GitHub returns them", async () => {
    const { fake, source } = await setup({ repos: 250, seed: 3 });
    const pages = await collect(source.kinds.repository.pages());
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 50]);
    expect(itemsOf(pages)).toEqual(fake.org.repos());
    expect((itemsOf(pages)[0] as Item).full_name).toBe(`${fake.org.login}/${fake.org.repoNames()[0]}`);
  });

  it("resumes from any page's cursor with exactly the remaining repositories", async () => {
    const { source } = await setup({ repos: 420, seed: 4 });
    const { pages, resumes } = await expectExactResume(
      (cursor) => source.kinds.repository.pages({ cursor }),
      (item) => (item as Item).id,
    );
    expect(pages).toHaveLength(5);
    expect(resumes).toBe(4);
  });

  it("gives cursors relative to the API URL, so they survive a new host", async () => {
    const { source } = await setup({ repos: 150 });
    const [first] = await collect(source.kinds.repository.pages());
    expect(first?.cursor).toMatch(/^\/organizations\/\d+\/repos\?.*page=2/);
  });

  it("filters by repositoryType", async () => {
    const { fake, source } = await setup({ repos: 60, seed: 5 });
    const items = itemsOf(
      await collect(source.kinds.repository.pages({ selector: { repositoryType: "public" } })),
    );
    const publicOnes = fake.org.repos().filter((r) => r.visibility === "public");
    expect(publicOnes.length).toBeGreaterThan(0);
    expect(ids(items)).toEqual(ids(publicOnes));
    await expect(
      collect(source.kinds.repository.pages({ selector: { repositoryType: "weird" } })),
    ).rejects.toThrow(SelectorError);
  });

  it("lists teams, with their parent team", async () => {
    const { fake, source } = await setup({ teams: 130, seed: 6 });
    const pages = await collect(source.kinds.team.pages({ selector: { members: false } }));
    expect(pages).toHaveLength(2);
    expect(itemsOf(pages)).toEqual(fake.org.teams().map((t) => ({ ...t, __organization: "acme" })));
    expect(itemsOf(pages).some((t) => (t as Item).parent !== null)).toBe(true);
  });

  it("names the org and the status when the org does not exist", async () => {
    const fixture = await setup({ repos: 2 });
    const source = createGitHubSource({ org: "nobody", apiUrl: fixture.fake.url, token: fixture.fake.token });
    const error = await collect(source.kinds.repository.pages()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as SourceHttpError).status).toBe(404);
    expect((error as Error).message).toMatch(/GET \/orgs\/nobody\/repos answered 404.*GITHUB_ORG/);
  });

  it("says a wrong token was rejected, without printing it", async () => {
    const fixture = await setup({ repos: 2 });
    const token = "ghp_definitely_wrong_0123456789";
    const source = createGitHubSource({ org: fixture.fake.org.login, apiUrl: fixture.fake.url, token });
    const error = await collect(source.kinds.repository.pages()).catch((e: unknown) => e);
    expect((error as SourceHttpError).status).toBe(401);
    expect((error as Error).message).toContain("Bad credentials");
    expect((error as Error).message).toContain("GITHUB_TOKEN");
    expect((error as Error).message).not.toContain(token);
  });
});

describe("pull-request kind", () => {
  it("is partitioned by repository: its partitions are the org's repository names", async () => {
    const { fake, source } = await setup({ repos: 230, seed: 7 });
    const partitions: string[] = [];
    for await (const name of source.kinds["pull-request"].partitions?.() ?? []) partitions.push(name);
    expect(partitions).toEqual(fake.org.repoNames());
  });

  it("lists open pull requests by default, each tagged with its repository", async () => {
    const { fake, source } = await setup({ repos: 3, pullsPerRepo: 20, seed: 8 });
    const repo = fake.org.repoNames()[1] as string;
    const items = itemsOf(await collect(source.kinds["pull-request"].pages({ partition: repo })));
    const open = fake.org.pulls(repo, "open");
    expect(open.length).toBeLessThan(20);
    expect(items).toEqual(open.map((pr) => ({ ...pr, __repository: repo })));
    expect(items.every((pr) => (pr as Item).state === "open")).toBe(true);
  });

  it.each(["closed", "all"] as const)("lists %s pull requests when the selector says so", async (state) => {
    const { fake, source } = await setup({ repos: 2, pullsPerRepo: 30, seed: 9 });
    const repo = fake.org.repoNames()[0] as string;
    const items = itemsOf(
      await collect(source.kinds["pull-request"].pages({ partition: repo, selector: { state } })),
    );
    expect(ids(items)).toEqual(ids(fake.org.pulls(repo, state)));
    expect(items.some((pr) => (pr as Item).merged_at !== null)).toBe(true);
  });

  it("takes Ocean's states list: open, closed, or both (all)", async () => {
    const { fake, source } = await setup({ repos: 2, pullsPerRepo: 12, seed: 21 });
    const [repo] = fake.org.repoNames() as [string];
    const read = async (states: unknown) =>
      ids(
        itemsOf(await collect(source.kinds["pull-request"].pages({ partition: repo, selector: { states } }))),
      );
    expect(await read(["closed"])).toEqual(ids(fake.org.pulls(repo, "closed")));
    expect(await read(["open", "closed"])).toEqual(ids(fake.org.pulls(repo, "all")));
    expect(await read(["open"])).toEqual(ids(fake.org.pulls(repo, "open")));
    await expect(read(["merged"])).rejects.toThrow(SelectorError);
    await expect(
      collect(
        source.kinds["pull-request"].pages({ partition: repo, selector: { states: ["open"], state: "all" } }),
      ),
    ).rejects.toThrow(SelectorError);
  });

  it("rejects an unknown state, naming the kind and the allowed values", async () => {
    const { fake, source } = await setup({ repos: 1 });
    const pages = source.kinds["pull-request"].pages({
      partition: fake.org.repoNames()[0],
      selector: { state: "merged" },
    });
    await expect(collect(pages)).rejects.toThrow(
      'kind pull-request: selector.state is "merged"; use one of open, closed, all',
    );
  });

  it("resumes mid-partition from any page's cursor with exactly the remaining pull requests", async () => {
    const { fake, source } = await setup({ repos: 3, pullsPerRepo: (i) => (i === 1 ? 345 : 2), seed: 10 });
    const repo = fake.org.listRepos().find((r) => r.index === 1)?.name as string;
    const { pages, resumes } = await expectExactResume(
      (cursor) => source.kinds["pull-request"].pages({ partition: repo, cursor, selector: { state: "all" } }),
      (item) => (item as Item).id,
    );
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 100, 45]);
    expect(resumes).toBe(3);
  });

  it("needs a partition", async () => {
    const { source } = await setup({ repos: 1 });
    await expect(collect(source.kinds["pull-request"].pages())).rejects.toThrow(PartitionRequiredError);
  });

  it("treats a repository deleted since it was listed as empty", async () => {
    const { fake, source } = await setup({ repos: 5, pullsPerRepo: 4 });
    const [gone] = fake.org.removeRepos(1);
    const pages = await collect(source.kinds["pull-request"].pages({ partition: gone }));
    expect(pages).toEqual([{ items: [], cursor: null }]);
  });

  it("follows a renamed repository to its new name", async () => {
    const { fake, source } = await setup({ repos: 4, pullsPerRepo: 6, seed: 11 });
    const old = fake.org.repoNames()[2] as string;
    fake.org.renameRepo(old, "renamed-service");
    const items = itemsOf(
      await collect(source.kinds["pull-request"].pages({ partition: old, selector: { state: "all" } })),
    );
    expect(ids(items)).toEqual(ids(fake.org.pulls("renamed-service", "all")));
    expect(items.every((pr) => (pr as Item).__repository === "renamed-service")).toBe(true);
  });

  it("sees the org as changed between runs", async () => {
    const { fake, source } = await setup({ repos: 8, pullsPerRepo: 3, seed: 12 });
    const removed = fake.org.removeRepos(2);
    const added = fake.org.addRepos(3);
    const target = fake.org.repoNames().at(-1) as string;
    const [number] = fake.org.addPulls(target, 1);
    const partitions: string[] = [];
    for await (const name of source.kinds["pull-request"].partitions?.() ?? []) partitions.push(name);
    expect(partitions).toEqual(fake.org.repoNames());
    expect(partitions).toEqual(expect.arrayContaining(added));
    expect(partitions.filter((p) => removed.includes(p))).toEqual([]);
    const items = itemsOf(await collect(source.kinds["pull-request"].pages({ partition: target })));
    expect(items.map((pr) => (pr as Item).number)).toContain(number);
    fake.org.updatePull(target, number as number, { merged: true });
    const after = itemsOf(await collect(source.kinds["pull-request"].pages({ partition: target })));
    expect(after.map((pr) => (pr as Item).number)).not.toContain(number);
  });
});

describe("issue kind", () => {
  it("skips the pull requests GitHub lists among issues", async () => {
    const { fake, source } = await setup({ repos: 2, pullsPerRepo: 40, issuesPerRepo: 90, seed: 13 });
    const repo = fake.org.repoNames()[0] as string;
    const raw = fake.org.issues(repo, "all");
    expect(raw.some((i) => i.pull_request)).toBe(true);
    const pages = await collect(source.kinds.issue.pages({ partition: repo, selector: { state: "all" } }));
    expect(pages).toHaveLength(2);
    const items = itemsOf(pages);
    expect(ids(items)).toEqual(ids(raw.filter((i) => !i.pull_request)));
    expect(items.every((i) => (i as Item).__repository === repo && !(i as Item).pull_request)).toBe(true);
  });

  it("still gives a cursor for a page that held only pull requests", async () => {
    const { fake, source } = await setup({ repos: 1, pullsPerRepo: 250, issuesPerRepo: 1, seed: 14 });
    const repo = fake.org.repoNames()[0] as string;
    const { pages } = await expectExactResume(
      (cursor) => source.kinds.issue.pages({ partition: repo, cursor, selector: { state: "all" } }),
      (item) => (item as Item).id,
    );
    expect(pages).toHaveLength(3);
    // Its ETag too: a later resync asks whether the page changed (If-None-Match).
    expect(pages[0]).toEqual({
      items: [],
      cursor: expect.any(String),
      validator: {
        url: expect.stringMatching(/\/issues\?state=all&per_page=100$/),
        etag: expect.stringMatching(/^W\/"/),
      },
    });
    expect(ids(itemsOf(pages))).toEqual(ids(fake.org.issues(repo, "all").filter((i) => !i.pull_request)));
  });
});

describe("repositories GitHub answers for differently", () => {
  it("skips a blocked repository's pull requests and issues with a warning naming it (451 and 403 with block)", async () => {
    const warnings: Array<[string, Record<string, unknown>]> = [];
    const { fake, source } = await setup(
      { repos: 4, pullsPerRepo: 3, issuesPerRepo: 2, seed: 15 },
      { warn: (message, detail) => warnings.push([message, detail]) },
    );
    const [dmca, disabled, fine] = fake.org.repoNames() as [string, string, string];
    fake.org.blockRepo(dmca, 451);
    fake.org.blockRepo(disabled, 403);
    const partitions: string[] = [];
    for await (const name of source.kinds["pull-request"].partitions?.() ?? []) partitions.push(name);
    // They stay in the org's listing, as on GitHub.
    expect(partitions).toEqual(expect.arrayContaining([dmca, disabled]));
    for (const kind of ["pull-request", "issue"] as const) {
      for (const partition of [dmca, disabled]) {
        const pages = await collect(source.kinds[kind].pages({ partition }));
        // Unreadable, not empty: what was listed there before is never deleted for it.
        expect(pages).toEqual([
          {
            items: [],
            cursor: null,
            unreadable: expect.stringMatching(/blocked by GitHub \(HTTP 4(51|03)\)/),
          },
        ]);
      }
    }
    expect(warnings.map(([message]) => message)).toEqual([
      `github: skipped repository acme/${dmca}: pulls blocked by GitHub`,
      `github: skipped repository acme/${disabled}: pulls blocked by GitHub`,
      `github: skipped repository acme/${dmca}: issues blocked by GitHub`,
      `github: skipped repository acme/${disabled}: issues blocked by GitHub`,
    ]);
    expect(warnings[0]?.[1]).toEqual({ repository: dmca, kind: "pull-request", status: 451, reason: "dmca" });
    expect(warnings[1]?.[1]).toMatchObject({ status: 403, reason: "tos" });
    const items = itemsOf(
      await collect(source.kinds["pull-request"].pages({ partition: fine, selector: { state: "all" } })),
    );
    expect(items).toHaveLength(3);
  });

  it("a 403 without a block is still a permission error, not a skipped repository", async () => {
    const { fake, source } = await setup({ repos: 2 });
    const repo = fake.org.repoNames()[0] as string;
    fake.inject({ status: 403, match: /\/pulls$/, message: "Resource not accessible by integration" });
    const error = await collect(source.kinds["pull-request"].pages({ partition: repo })).catch(
      (e: unknown) => e,
    );
    expect((error as SourceHttpError).status).toBe(403);
  });

  it("does not list issues of repositories with has_issues: false", async () => {
    const { fake, source } = await setup({ repos: 5, pullsPerRepo: 1, issuesPerRepo: 2, seed: 16 });
    const [off] = fake.org.repoNames();
    fake.org.disableIssues(off as string);
    const issuePartitions: string[] = [];
    for await (const name of source.kinds.issue.partitions?.() ?? []) issuePartitions.push(name);
    expect(issuePartitions).toEqual(fake.org.repoNames().slice(1));
    const pullPartitions: string[] = [];
    for await (const name of source.kinds["pull-request"].partitions?.() ?? []) pullPartitions.push(name);
    expect(pullPartitions).toEqual(fake.org.repoNames());
    // Were it asked anyway (listed before the change), GitHub's 410 is nothing to list.
    expect(await collect(source.kinds.issue.pages({ partition: off }))).toEqual([
      { items: [], cursor: null },
    ]);
  });

  it("lists internal repositories (visibility internal, private true)", async () => {
    const { fake, source } = await setup({ repos: 40, seed: 17 });
    const items = itemsOf(await collect(source.kinds.repository.pages())) as Item[];
    const internal = items.filter((r) => r.visibility === "internal");
    expect(internal.length).toBeGreaterThan(0);
    expect(internal.every((r) => r.private === true)).toBe(true);
    expect(items).toHaveLength(fake.org.repoNames().length);
  });
});

describe("the organization's repository listing", () => {
  it("is read once and shared by the repository, pull-request and issue kinds", async () => {
    const { fake, source } = await setup({ repos: 250, pullsPerRepo: 0, issuesPerRepo: 0, seed: 18 });
    const names = async (kind: "pull-request" | "issue") => {
      const all: string[] = [];
      for await (const name of source.kinds[kind].partitions?.() ?? []) all.push(name);
      return all;
    };
    const [repos, pulls, issues] = await Promise.all([
      collect(source.kinds.repository.pages()),
      names("pull-request"),
      names("issue"),
    ]);
    expect(itemsOf(repos)).toEqual(fake.org.repos());
    expect(pulls).toEqual(fake.org.repoNames());
    expect(issues).toEqual(fake.org.repoNames());
    expect(fake.stats.requests).toBe(3);
  });

  it("is shared by a kind that starts while it is being read; one that comes after it ended reads anew", async () => {
    const { fake, source } = await setup({ repos: 250, seed: 19, latencyMs: 30 });
    const first = source.kinds["pull-request"].partitions?.()[Symbol.asyncIterator]();
    await first?.next();
    const sharing: string[] = [];
    for await (const name of source.kinds.issue.partitions?.() ?? []) sharing.push(name);
    expect(sharing).toEqual(fake.org.repoNames());
    expect(fake.stats.byRoute["GET /orgs/{org}/repos"]).toBe(1);
    const later = itemsOf(await collect(source.kinds.repository.pages()));
    expect(later).toEqual(fake.org.repos());
    const issues: string[] = [];
    for await (const name of source.kinds.issue.partitions?.() ?? []) issues.push(name);
    expect(issues).toEqual(fake.org.repoNames());
    // The repository kind came after the first page: it read on its own; the issue kind came
    // after the listing ended (a later run must see the org as it is then): it read anew.
    expect(fake.stats.byRoute["GET /orgs/{org}/repos"]).toBe(3);
    await first?.return?.();
  });

  it("gives every kind the listing's error, named for that kind", async () => {
    const { fake, source } = await setup({ repos: 5 });
    fake.inject({ status: 200, match: /\/orgs\/acme\/repos$/, body: '{"repositories":[]}' });
    const failures = await Promise.all(
      (["pull-request", "issue"] as const).map(async (kind) => {
        try {
          for await (const _ of source.kinds[kind].partitions?.() ?? []) void _;
        } catch (error) {
          return (error as Error).message;
        }
        return "no error";
      }),
    );
    expect(failures).toEqual([
      "kind pull-request: GET /orgs/acme/repos did not return a list",
      "kind issue: GET /orgs/acme/repos did not return a list",
    ]);
    expect(fake.stats.requests).toBe(1);
  });
});
