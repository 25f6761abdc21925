import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveGitHub } from "../../lib/live/github-api.ts";
import { routesOf } from "../../lib/live/routes.ts";
import type { GitHubSource } from "../../lib/source/github/index.ts";
import { collect, type GitHubFake, githubFixture, itemsOf } from "../source/helpers.ts";
import { example } from "./webhooks.ts";

type Json = Record<string, unknown>;

/**
 * Live events give the security alert and file kinds the same items, and the same selector
 * rules, as a resync: an entity written by a webhook is the one the next resync writes.
 */

let fake: GitHubFake;
let source: GitHubSource;
let live: LiveGitHub;
let repo: string;
beforeAll(async () => {
  ({ fake, source } = await githubFixture({ repos: 2, seed: 61 }));
  live = new LiveGitHub({ apiUrl: fake.url, token: fake.token });
  repo = fake.org.repoNames()[0] as string;
  fake.contents.put(repo, "svc/services.yml", "- name: api\n  docs: file://api.md\n");
  fake.contents.put(repo, "svc/api.md", "# API\n");
});
afterAll(() => fake.close());

/** GitHub's example push, made about this repository and these files. */
function push(added: string[], removed: string[] = []): Json {
  const payload = structuredClone(example("push"));
  const repository = payload.repository as Json;
  const listed = fake.org.repos().find((r) => r.name === repo) as Json;
  payload.repository = { ...repository, id: listed.id, name: repo, full_name: `${fake.org.login}/${repo}` };
  payload.ref = "refs/heads/main";
  payload.deleted = false;
  payload.commits = [{ ...((payload.commits as Json[])[0] ?? {}), added, modified: [], removed }];
  return payload;
}

describe("live file events", () => {
  it("fetch the file as the file kind lists it, and keep only paths of selector.files", async () => {
    const selector = { query: "true", files: [{ path: "**/services.yml" }] };
    const [route] = routesOf("push");
    const [subject] = route?.subjects(push(["svc/services.yml"]), fake.org.login) ?? [];
    const fromEvent = await subject?.fetch?.(live);
    const [fromResync] = itemsOf(
      await collect(source.kinds.file.pages({ partition: repo, selector })),
    ) as Json[];
    expect(fromResync?.content).toEqual([{ name: "api", docs: "# API\n" }]);
    expect(fromEvent).toEqual(fromResync);
    expect(route?.mismatch?.(fromEvent as Json, selector)).toBeUndefined();
    const other = { ...(fromEvent as Json), path: "svc/api.md" };
    expect(route?.mismatch?.(other, selector)).toMatch(/svc\/api.md@main matches no path of selector.files/);
    const onBranch = { ...(fromEvent as Json), branch: "dev" };
    expect(route?.mismatch?.(onBranch, selector)).toBeDefined();
  });

  it("a removed file is gone, with the repository's name for its identifier", () => {
    const [route] = routesOf("push");
    const [subject] = route?.subjects(push([], ["svc/services.yml"]), fake.org.login) ?? [];
    expect(subject?.gone).toBe(true);
    expect(subject?.item).toMatchObject({
      path: "svc/services.yml",
      branch: "main",
      repository: { name: repo },
    });
  });
});

describe("live alert events", () => {
  it("carry __repository and __organization, and follow Ocean's states / state defaults", async () => {
    const [dependabot] = routesOf("dependabot_alert");
    const [subject] = dependabot?.subjects(example("dependabot_alert"), "Octocoders") ?? [];
    expect(subject?.item).toMatchObject({ __repository: expect.any(String), __organization: "Octocoders" });
    expect(dependabot?.mismatch?.({ state: "fixed" }, { query: "true" })).toContain("states open");
    expect(dependabot?.mismatch?.({ state: "fixed" }, { query: "true", states: ["fixed"] })).toBeUndefined();
    const [code] = routesOf("code_scanning_alert");
    expect(code?.mismatch?.({ state: "fixed" }, { query: "true" })).toContain("state=open");
    expect(code?.mismatch?.({ state: "dismissed" }, { query: "true", state: "closed" })).toBeUndefined();
    expect(code?.mismatch?.({ state: "open" }, { query: "true", state: "closed" })).toBeDefined();
  });
});
