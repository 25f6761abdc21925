/**
 * GitHub answering badly: HTML error pages, truncated JSON, bodies of the wrong shape. A
 * transient one is retried; a lasting one fails only what it touches (one partition, one
 * kind), with the request, status and GitHub's request id, and the failed run deletes nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resyncLocal } from "../../lib/local/resync.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import { INTEGRATION, startWorld, type World } from "../support/world.ts";

const UNICORN =
  "<!DOCTYPE html><html><head><title>Unicorn! · GitHub</title></head><body>No server is currently available to service your request.</body></html>";
const HTML = { "content-type": "text/html; charset=utf-8" };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const resync = async (w: World) =>
  (
    await resyncLocal({
      integrationId: INTEGRATION,
      config: w.config,
      source: w.source,
      catalog: w.catalog,
      compile: w.compile,
      retryDelayMs: 1,
    })
  ).run;

/** A good first run; then a repository leaves the org and GitHub misbehaves as `fault` says. */
async function resyncWhile(fault: (w: World) => void) {
  world = await startWorld({ github: { repos: 5, pullsPerRepo: 3, issuesPerRepo: 2, teams: 3, seed: 3 } });
  expect((await resync(world)).status).toBe("completed");
  const before = world.actual();
  world.github.org.removeRepos(1);
  fault(world);
  const run = await resync(world);
  return { world, run, before };
}

const kind = (run: RunRecord, name: string) => run.summary?.kinds.find((k) => k.kind === name);

/** The run failed, so every entity Port held before is still there. */
function expectNothingDeleted(w: World, run: RunRecord, before: Record<string, string[]>) {
  expect(run.status).toBe("failed");
  expect(run.summary?.deletion.performed).toBe(false);
  const after = w.actual();
  for (const [bp, ids] of Object.entries(before)) expect(after[bp]).toEqual(expect.arrayContaining(ids));
}

describe("GitHub error pages and broken bodies", () => {
  it("a 502 HTML page on the repository listing, once, is retried: the catalog ends exact", async () => {
    const { world, run } = await resyncWhile((w) =>
      w.github.inject({ status: 502, match: /\/orgs\/acme\/repos$/, body: UNICORN, headers: HTML }),
    );
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
  });

  it("a lasting 502 HTML page on one repository's pull requests fails that partition only, naming the request", async () => {
    let repo = "";
    const { world, run, before } = await resyncWhile((w) => {
      repo = w.github.org.repoNames()[0] ?? "";
      w.github.inject({
        status: 502,
        match: new RegExp(`/${repo}/pulls$`),
        body: UNICORN,
        headers: HTML,
        times: 1_000,
      });
    });
    expectNothingDeleted(world, run, before);
    expect(run.summary?.failures).toEqual([
      expect.objectContaining({
        kind: "pull-request",
        status: 502,
        message: expect.stringMatching(
          new RegExp(
            `^partition ${repo}: github: GET /repos/acme/${repo}/pulls answered 502 \\(request id FAKE:\\d+\\)`,
          ),
        ),
      }),
    ]);
    // The other repositories' pull requests still went through.
    expect(kind(run, "pull-request")?.entities).toBe(
      world.expected().githubPullRequest?.filter((id) => !id.startsWith(`${repo}-`)).length,
    );
  });

  it("a 200 whose JSON is cut short fails that partition as 'not JSON', naming the request", async () => {
    let repo = "";
    const { world, run, before } = await resyncWhile((w) => {
      repo = w.github.org.repoNames()[1] ?? "";
      w.github.inject({
        status: 200,
        match: new RegExp(`/${repo}/issues$`),
        body: '[{"id":1,"number":1,"title":"cut',
        times: 1_000,
      });
    });
    expectNothingDeleted(world, run, before);
    expect(run.summary?.failures[0]?.message).toMatch(
      new RegExp(`^partition ${repo}: github: GET /repos/acme/${repo}/issues answered 200\\. not JSON`),
    );
  });

  it("an object where the repository list belongs fails the kinds that list repositories; teams still sync", async () => {
    const { world, run, before } = await resyncWhile((w) =>
      w.github.inject({
        status: 200,
        match: /\/orgs\/acme\/repos$/,
        body: '{"repositories":[]}',
        times: 1_000,
      }),
    );
    expectNothingDeleted(world, run, before);
    expect(run.summary?.failures.map((f) => f.message).sort()).toEqual([
      "kind issue: GET /orgs/acme/repos did not return a list",
      "kind pull-request: GET /orgs/acme/repos did not return a list",
      "kind repository: GET /orgs/acme/repos did not return a list",
    ]);
    expect(kind(run, "team")).toMatchObject({ items: 3, failures: 0 });
  });

  it("`null` where the team list belongs fails the team kind, naming the request", async () => {
    const { world, run, before } = await resyncWhile((w) =>
      w.github.inject({ status: 200, match: /\/orgs\/acme\/teams$/, body: "null", times: 1_000 }),
    );
    expectNothingDeleted(world, run, before);
    expect(run.summary?.failures).toEqual([
      expect.objectContaining({
        kind: "team",
        message: "kind team: GET /orgs/acme/teams did not return a list",
      }),
    ]);
  });

  it("a 403 HTML page (no rate-limit headers) is a permission problem, with a hint, not a retry loop", async () => {
    const { world, run, before } = await resyncWhile((w) =>
      w.github.inject({
        status: 403,
        match: /\/orgs\/acme\/teams$/,
        body: UNICORN,
        headers: HTML,
        times: 1_000,
      }),
    );
    expectNothingDeleted(world, run, before);
    expect(run.summary?.failures[0]).toMatchObject({ kind: "team", status: 403 });
    expect(run.summary?.failures[0]?.message).toMatch(
      /^github: GET \/orgs\/acme\/teams answered 403 \(request id FAKE:\d+\)\. the token or App lacks a permission/,
    );
  });

  it("a secondary rate limit answered with an HTML page is waited out: the catalog ends exact", async () => {
    const { world, run } = await resyncWhile((w) =>
      w.github.inject({
        status: 403,
        match: /\/orgs\/acme\/teams$/,
        body: "<html>You have exceeded a secondary rate limit</html>",
        headers: { ...HTML, "retry-after": "1" },
        times: 2,
      }),
    );
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
  });

  it("an error whose message has the wrong type still names the request and status", async () => {
    const { world, run, before } = await resyncWhile((w) =>
      w.github.inject({ status: 500, match: /\/orgs\/acme\/teams$/, body: '{"message":42}', times: 1_000 }),
    );
    expectNothingDeleted(world, run, before);
    expect(run.summary?.failures[0]?.message).toMatch(/^github: GET \/orgs\/acme\/teams answered 500/);
  });

  it("a repository list holding a string and a number fails those items; the real repositories sync", async () => {
    const { world, run, before } = await resyncWhile((w) =>
      w.github.inject({
        status: 200,
        match: /\/orgs\/acme\/repos$/,
        body: JSON.stringify([...w.github.org.repos(), "not-a-repository", 42]),
        times: 1_000,
      }),
    );
    expectNothingDeleted(world, run, before);
    const repos = world.github.org.repoNames().length;
    expect(kind(run, "repository")).toMatchObject({ items: repos + 2, entities: repos, failures: 2 });
    const repositoryFailures = run.summary?.failures.filter((f) => f.kind === "repository");
    expect(repositoryFailures?.map((f) => [f.kind, f.item, f.field])).toEqual([
      ["repository", `#${repos}`, "identifier"],
      ["repository", `#${repos + 1}`, "identifier"],
    ]);
    // Every real repository's pull requests still went through.
    expect(kind(run, "pull-request")?.entities).toBe(world.expected().githubPullRequest?.length);
  });
});
