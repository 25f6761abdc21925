/**
 * The fake's issue search and its sorted listings, against GitHub's published OpenAPI
 * description: every parameter the GitHub source sends for an incremental run is documented
 * (with the values it uses), and every answer matches its published schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubFake, startGitHubFake } from "./index.ts";
import { expectValid, loadDescription, parameterOf, schemaOf } from "./openapi-schemas.ts";

let fake: GitHubFake;
let clock = Date.UTC(2026, 11, 1, 10);
beforeAll(async () => {
  await loadDescription();
  fake = await startGitHubFake({ repos: 8, pullsPerRepo: 3, issuesPerRepo: 2, seed: 5, now: () => clock });
}, 60_000);
afterAll(() => fake?.close());

async function get(path: string) {
  const res = await fetch(`${fake.url}${path}`, { headers: { authorization: `token ${fake.token}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const search = (q: string, extra = "") => get(`/search/issues?q=${encodeURIComponent(q)}${extra}`);

describe("the GitHub fake's search and sorted listings against GitHub's OpenAPI description", () => {
  it("documents every parameter and value an incremental run sends", () => {
    const values = (path: string, name: string) => parameterOf("get", path, name)?.schema?.enum;
    expect(parameterOf("get", "/search/issues", "q")).toBeDefined();
    expect(values("/search/issues", "sort")).toContain("updated");
    expect(values("/search/issues", "order")).toEqual(expect.arrayContaining(["asc", "desc"]));
    expect(parameterOf("get", "/search/issues", "per_page")?.schema?.type).toBe("integer");
    expect(parameterOf("get", "/search/issues", "page")?.schema?.type).toBe("integer");
    expect(values("/orgs/{org}/repos", "sort")).toEqual(expect.arrayContaining(["updated", "pushed"]));
    expect(values("/orgs/{org}/repos", "direction")).toEqual(["asc", "desc"]);
    expect(values("/repos/{owner}/{repo}/pulls", "sort")).toContain("updated");
    expect(values("/repos/{owner}/{repo}/pulls", "direction")).toEqual(["asc", "desc"]);
    expect(values("/repos/{owner}/{repo}/issues", "sort")).toContain("updated");
    expect(parameterOf("get", "/repos/{owner}/{repo}/issues", "since")?.schema).toBeDefined();
  });

  it("finds the pull requests and issues updated since a time, newest first, as issue-search-result-item", async () => {
    const since = new Date(clock).toISOString().slice(0, 19);
    const [repo] = fake.org.repoNames() as [string];
    const older = (fake.org.pulls(repo, "all")[0] as { number: number }).number;
    const [pull] = fake.org.addPulls(repo, 1) as [number];
    clock += 60_000;
    fake.org.updatePull(repo, older, { title: "Retitled" });
    const [issue] = fake.org.addIssues(repo, 1) as [number];
    const prs = await search(`org:${fake.org.login} is:pr updated:>=${since}Z`, "&sort=updated&order=desc");
    expect(prs.status).toBe(200);
    expectValid(schemaOf("get", "/search/issues", 200), prs.body);
    expect(prs.headers.get("x-ratelimit-resource")).toBe("search");
    expect(prs.body).toMatchObject({ total_count: 2, incomplete_results: false });
    expect(prs.body.items.map((i: { number: number }) => i.number)).toEqual([older, pull]);
    const issues = await search(`org:${fake.org.login} is:issue updated:>=${since}Z`);
    expect(issues.body.items.map((i: { number: number }) => i.number)).toEqual([issue]);
    const other = await search(`org:someone-else is:issue updated:>=${since}Z`);
    expect(other.body).toMatchObject({ total_count: 0, items: [] });
  });

  it("refuses what it does not model, and pages past the 1,000th result, with 422 validation-error", async () => {
    for (const res of [
      await search(`org:${fake.org.login} updated:>=2026-01-01`), // neither is:pr nor is:issue
      await search(`org:${fake.org.login} is:pr label:bug`),
      await search(`org:${fake.org.login} is:pr`, "&per_page=100&page=11"),
    ]) {
      expect(res.status).toBe(422);
      expectValid(schemaOf("get", "/search/issues", 422), res.body);
    }
  });

  it("answers incomplete results when asked, and counts matches past the 1,000 it can show", async () => {
    fake.search.incomplete = 1;
    const first = await search(`org:${fake.org.login} is:issue`);
    expect(first.body.incomplete_results).toBe(true);
    expectValid(schemaOf("get", "/search/issues", 200), first.body);
    expect((await search(`org:${fake.org.login} is:issue`)).body.incomplete_results).toBe(false);
  });

  it("has its own rate limit, 30 a minute: 403 once spent, until its reset; the core limit is untouched", async () => {
    clock += 120_000; // a new minute
    const core = Number((await get(`/orgs/${fake.org.login}/repos`)).headers.get("x-ratelimit-remaining"));
    for (let i = 0; i < 30; i++) expect((await search(`org:${fake.org.login} is:pr`)).status).toBe(200);
    const spent = await search(`org:${fake.org.login} is:pr`);
    expect(spent.status).toBe(403);
    expect(spent.headers.get("x-ratelimit-remaining")).toBe("0");
    expectValid(schemaOf("get", "/search/issues", 403), spent.body);
    const after = Number((await get(`/orgs/${fake.org.login}/repos`)).headers.get("x-ratelimit-remaining"));
    expect(after).toBe(core - 1);
    clock += 60_000;
    expect((await search(`org:${fake.org.login} is:pr`)).status).toBe(200);
  });

  it("sorts repositories by updated or pushed, and pull requests and issues by updated, with since", async () => {
    const names = fake.org.repoNames();
    const [renamed, pushed] = [names[3] as string, names[5] as string];
    clock += 60_000;
    fake.org.renameRepo(renamed, `${renamed}-next`);
    clock += 60_000;
    fake.org.pushToRepo(pushed);
    const byUpdated = await get(`/orgs/${fake.org.login}/repos?sort=updated&direction=desc`);
    expectValid(schemaOf("get", "/orgs/{org}/repos", 200), byUpdated.body);
    expect(byUpdated.body[0].name).toBe(`${renamed}-next`);
    const byPushed = await get(`/orgs/${fake.org.login}/repos?sort=pushed&direction=desc`);
    expect(byPushed.body[0].name).toBe(pushed);
    const repo = fake.org.repoNames()[0] as string;
    const pulls = await get(`/repos/${fake.org.login}/${repo}/pulls?state=all&sort=updated&direction=desc`);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/pulls", 200), pulls.body);
    const times = pulls.body.map((p: { updated_at: string }) => p.updated_at);
    expect(times).toEqual([...times].sort().reverse());
    const since = new Date(clock - 10 * 60_000).toISOString();
    const issues = await get(`/repos/${fake.org.login}/${repo}/issues?state=all&since=${since}&sort=updated`);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/issues", 200), issues.body);
    for (const i of issues.body) expect(Date.parse(i.updated_at)).toBeGreaterThanOrEqual(Date.parse(since));
  });
});
