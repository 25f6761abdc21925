/**
 * The fake answers as GitHub does: every kind of answer the GitHub source reads is checked
 * against GitHub's published OpenAPI description (`@octokit/openapi`), with ajv. Only the
 * response schemas of the routes the fake serves are compiled, once.
 */

import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppJwt, readPrivateKey } from "../../../lib/source/github/index.ts";
import { type GitHubFake, startGitHubFake } from "./index.ts";
import { basicError, expectValid, loadDescription, schemaOf } from "./openapi-schemas.ts";

let fake: GitHubFake;
let privatePem: string;
beforeAll(async () => {
  await loadDescription();
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  privatePem = keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  fake = await startGitHubFake({
    repos: 12,
    pullsPerRepo: 6,
    issuesPerRepo: 6,
    teams: 5,
    seed: 41,
    app: {
      appId: "99",
      publicKey: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
      installationId: 5,
    },
  });
}, 60_000);
afterAll(() => fake?.close());

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${fake.url}${path}`, {
    headers: { authorization: `token ${fake.token}`, ...headers },
    redirect: "manual",
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe("the GitHub fake against GitHub's OpenAPI description", () => {
  it("lists repositories (public, private and internal) as minimal-repository", async () => {
    const res = await get(`/orgs/${fake.org.login}/repos?per_page=100`);
    expect(res.status).toBe(200);
    expect(new Set(res.body.map((r: { visibility: string }) => r.visibility))).toEqual(
      new Set(["public", "private", "internal"]),
    );
    expectValid(schemaOf("get", "/orgs/{org}/repos", 200), res.body);
  });

  it("lists pull requests, issues and teams; gets a repository", async () => {
    const repo = fake.org.repoNames()[0] as string;
    const base = `/repos/${fake.org.login}/${repo}`;
    const pulls = await get(`${base}/pulls?state=all`);
    expect(pulls.body.length).toBe(6);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/pulls", 200), pulls.body);
    const issues = await get(`${base}/issues?state=all`);
    expect(issues.body.length).toBe(12);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/issues", 200), issues.body);
    expectValid(schemaOf("get", "/orgs/{org}/teams", 200), (await get(`/orgs/${fake.org.login}/teams`)).body);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}", 200), (await get(base)).body);
  });

  it("gets the org, lists members and team members, gets a user", async () => {
    const org = fake.org.login;
    expectValid(schemaOf("get", "/orgs/{org}", 200), (await get(`/orgs/${org}`)).body);
    const members = await get(`/orgs/${org}/members?per_page=100`);
    expect(members.body.length).toBeGreaterThan(0);
    expectValid(schemaOf("get", "/orgs/{org}/members", 200), members.body);
    const slug = fake.org.teams()[0]?.slug as string;
    const teamMembers = await get(`/orgs/${org}/teams/${slug}/members`);
    expectValid(schemaOf("get", "/orgs/{org}/teams/{team_slug}/members", 200), teamMembers.body);
    const user = await get(`/users/${members.body[0].login}`);
    expect(user.body.name).toEqual(expect.any(String));
    expectValid(schemaOf("get", "/users/{username}", 200), user.body);
  });

  it("lists collaborators, workflows and their runs, releases, tags, branches, environments, deployments and statuses", async () => {
    const repo = fake.org.repoNames()[1] as string;
    const base = `/repos/${fake.org.login}/${repo}`;
    const lists: Array<[string, string, string | undefined]> = [
      ["/collaborators", "/repos/{owner}/{repo}/collaborators", undefined],
      ["/actions/workflows", "/repos/{owner}/{repo}/actions/workflows", "workflows"],
      ["/releases", "/repos/{owner}/{repo}/releases", undefined],
      ["/tags", "/repos/{owner}/{repo}/tags", undefined],
      ["/branches", "/repos/{owner}/{repo}/branches", undefined],
      ["/environments", "/repos/{owner}/{repo}/environments", "environments"],
      ["/deployments", "/repos/{owner}/{repo}/deployments", undefined],
    ];
    for (const [rest, path, envelope] of lists) {
      const res = await get(`${base}${rest}?per_page=100`);
      expect(res.status, rest).toBe(200);
      const items = envelope ? res.body[envelope] : res.body;
      expect(items.length, rest).toBeGreaterThan(0);
      expectValid(schemaOf("get", path, 200), res.body);
    }
    const workflow = (await get(`${base}/actions/workflows`)).body.workflows[0];
    const runs = await get(`${base}/actions/workflows/${workflow.id}/runs?per_page=100`);
    expect(runs.body.workflow_runs.length).toBeGreaterThan(0);
    expectValid(
      schemaOf("get", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", 200),
      runs.body,
    );
    const deployment = (await get(`${base}/deployments`)).body[0];
    const statuses = await get(`${base}/deployments/${deployment.id}/statuses`);
    expect(statuses.body.length).toBeGreaterThan(0);
    expectValid(
      schemaOf("get", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", 200),
      statuses.body,
    );
  });

  it("issues an installation token as installation-token", async () => {
    const jwt = createAppJwt({ appId: "99", privateKey: readPrivateKey(privatePem) });
    const res = await fetch(`${fake.url}/app/installations/5/access_tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}` },
    });
    expect(res.status).toBe(201);
    expectValid(
      schemaOf("post", "/app/installations/{installation_id}/access_tokens", 201),
      await res.json(),
    );
  });

  it("answers errors as basic-error: 301 for a renamed repository, 404, 410 for issues turned off", async () => {
    const [renamed, gone, off] = fake.org.repoNames() as [string, string, string];
    fake.org.renameRepo(renamed, `${renamed}-new`);
    const moved = await get(`/repos/${fake.org.login}/${renamed}`);
    expect(moved.status).toBe(301);
    expect(moved.headers.get("location")).toBe(moved.body.url);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}", 301), moved.body);
    fake.org.removeRepo(gone);
    const missing = await get(`/repos/${fake.org.login}/${gone}/issues`);
    expect(missing.status).toBe(404);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/issues", 404), missing.body);
    fake.org.disableIssues(off);
    const disabled = await get(`/repos/${fake.org.login}/${off}/issues`);
    expect(disabled.status).toBe(410);
    expectValid(basicError(), disabled.body);
    const listed = (await get(`/orgs/${fake.org.login}/repos?per_page=100`)).body;
    expect(listed.find((r: { name: string }) => r.name === off).has_issues).toBe(false);
  });

  it("answers a secondary limit as GitHub does: 403 basic-error, no retry-after", async () => {
    fake.secondaryLimit({ retryAfterSec: null });
    const res = await get(`/orgs/${fake.org.login}/teams`);
    expect(res.status).toBe(403);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(res.body.message).toMatch(/secondary rate limit/);
    expectValid(schemaOf("get", "/orgs/{org}/teams", 403), res.body);
  });

  it("answers a blocked repository 451 (or 403) with its block", async () => {
    const [dmca, disabled] = fake.org.repoNames().slice(-2) as [string, string];
    fake.org.blockRepo(dmca, 451);
    fake.org.blockRepo(disabled, 403);
    for (const [name, status, reason] of [
      [dmca, 451, "dmca"],
      [disabled, 403, "tos"],
    ] as const) {
      const res = await get(`/repos/${fake.org.login}/${name}/pulls`);
      expect(res.status).toBe(status);
      expect(res.body).toEqual({
        message: "Repository access blocked",
        block: { reason, created_at: expect.any(String), html_url: expect.any(String) },
      });
      expectValid(basicError(), res.body);
    }
  });

  it("gives an ETag, and 304 without a body (not counted) when If-None-Match names it", async () => {
    const path = `/orgs/${fake.org.login}/teams`;
    const first = await get(path);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const remaining = Number(first.headers.get("x-ratelimit-remaining"));
    const again = await get(path, { "if-none-match": etag as string });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(Number(again.headers.get("x-ratelimit-remaining"))).toBe(remaining);
    fake.org.addRepos(1);
    const changed = await get(`/orgs/${fake.org.login}/repos`, { "if-none-match": etag as string });
    expect(changed.status).toBe(200);
  });
});

describe("the GitHub fake's security alerts and repository contents against GitHub's OpenAPI description", () => {
  it("lists Dependabot alerts (states, cursor pagination), code scanning and secret scanning alerts", async () => {
    const repo = fake.org.repoNames()[3] as string;
    const base = `/repos/${fake.org.login}/${repo}`;
    const all = await get(`${base}/dependabot/alerts?per_page=2`);
    expect(all.status).toBe(200);
    expect(all.body.length).toBe(2);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/dependabot/alerts", 200), all.body);
    const next = /<([^>]+)>; rel="next"/.exec(all.headers.get("link") ?? "")?.[1] as string;
    expect(next).toMatch(/after=/);
    const rest = await get(new URL(next).pathname + new URL(next).search);
    expect(rest.body.map((a: { number: number }) => a.number)).toEqual([1]);
    const open = await get(`${base}/dependabot/alerts?state=open,fixed`);
    expect(open.body.every((a: { state: string }) => ["open", "fixed"].includes(a.state))).toBe(true);
    expect((await get(`${base}/dependabot/alerts?state=gone`)).status).toBe(422);

    const code = await get(`${base}/code-scanning/alerts?state=open`);
    expect(code.status).toBe(200);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/code-scanning/alerts", 200), code.body);
    const secrets = await get(`${base}/secret-scanning/alerts`);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/secret-scanning/alerts", 200), secrets.body);
    expect(secrets.body[0].secret).toEqual(expect.any(String));
    const hidden = await get(`${base}/secret-scanning/alerts?hide_secret=true`);
    expect(hidden.body[0]).not.toHaveProperty("secret");
  });

  it("answers a feature turned off as GitHub does: Dependabot 403, code scanning 403, secret scanning 404", async () => {
    const repo = fake.org.repoNames()[4] as string;
    const base = `/repos/${fake.org.login}/${repo}`;
    for (const feature of ["dependabot", "code-scanning", "secret-scanning"] as const) {
      fake.security.disable(repo, feature);
    }
    const dependabot = await get(`${base}/dependabot/alerts`);
    expect([dependabot.status, dependabot.body.message]).toEqual([403, expect.stringMatching(/disabled/)]);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/dependabot/alerts", 403), dependabot.body);
    const code = await get(`${base}/code-scanning/alerts`);
    expect(code.status).toBe(403);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/code-scanning/alerts", 403), code.body);
    const secrets = await get(`${base}/secret-scanning/alerts`);
    expect(secrets.status).toBe(404);
    expectValid(basicError(), secrets.body);
  });

  it("serves git trees, file and directory contents, and blobs; 409 for an empty repository", async () => {
    const [repo, empty] = fake.org.repoNames().slice(5, 7) as [string, string];
    const base = `/repos/${fake.org.login}/${repo}`;
    fake.contents.put(repo, "services/api/port.yml", "name: api\n");
    fake.contents.put(repo, "README.md", "# hello ✓\n");
    fake.contents.put(repo, "big.json", `"${"x".repeat(1024 * 1024)}"`);
    const tree = await get(`${base}/git/trees/main?recursive=1`);
    expect(tree.status).toBe(200);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}", 200), tree.body);
    expect(tree.body.tree.map((e: { path: string }) => e.path)).toEqual([
      "README.md",
      "big.json",
      "services",
      "services/api",
      "services/api/port.yml",
    ]);
    const top = await get(`${base}/git/trees/main`);
    expect(top.body.tree.map((e: { path: string }) => e.path)).toEqual(["README.md", "big.json", "services"]);
    const file = await get(`${base}/contents/README.md?ref=main`);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/contents/{path}", 200), file.body);
    expect(Buffer.from(file.body.content, "base64").toString("utf8")).toBe("# hello ✓\n");
    const dir = await get(`${base}/contents/services`);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/contents/{path}", 200), dir.body);
    expect(dir.body).toEqual([expect.objectContaining({ type: "dir", path: "services/api" })]);
    const big = await get(`${base}/contents/big.json`);
    expect([big.body.encoding, big.body.content]).toEqual(["none", ""]);
    const blob = await get(`${base}/git/blobs/${big.body.sha}`);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/git/blobs/{file_sha}", 200), blob.body);
    expect(Buffer.from(blob.body.content, "base64").length).toBe(1024 * 1024 + 2);
    expect((await get(`${base}/contents/nope.md`)).status).toBe(404);
    expect((await get(`${base}/git/trees/no-such-branch`)).status).toBe(404);
    const emptyTree = await get(`/repos/${fake.org.login}/${empty}/git/trees/main?recursive=1`);
    expect(emptyTree.status).toBe(409);
    expectValid(schemaOf("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}", 409), emptyTree.body);
  });
});
