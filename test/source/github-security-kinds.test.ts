import { afterEach, describe, expect, it } from "vitest";
import { SelectorError, SourceHttpError } from "../../lib/source/index.ts";
import type { Kind } from "../../lib/source/types.ts";
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

async function everything(kind: Kind, selector?: Record<string, unknown>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const partition of kind.partitions?.({ selector }) ?? []) {
    items.push(...(itemsOf(await collect(kind.pages({ partition, selector }))) as Item[]));
  }
  return items;
}

describe("dependabot-alert", () => {
  it("lists each repository's open alerts by default, with __repository and __organization", async () => {
    const { fake, source } = await setup({ repos: 4, seed: 11, alertsPerRepo: { dependabot: 6 } });
    const items = await everything(source.kinds["dependabot-alert"]);
    const repos = fake.org.listRepos();
    const expected = repos.flatMap((r) =>
      fake.security
        .dependabot(r, ["open"])
        .map((a) => ({ ...a, __repository: r.name, __organization: fake.org.login })),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(items).toEqual(expected);
  });

  it("takes Ocean's `states` list, and refuses a state GitHub does not have", async () => {
    const { fake, source } = await setup({ repos: 3, seed: 12, alertsPerRepo: { dependabot: 8 } });
    const items = await everything(source.kinds["dependabot-alert"], { states: ["fixed", "dismissed"] });
    const expected = fake.org.listRepos().flatMap((r) => fake.security.dependabot(r, ["fixed", "dismissed"]));
    expect(items.map((a) => a.html_url)).toEqual(expected.map((a) => a.html_url));
    expect(new Set(items.map((a) => a.state))).toEqual(new Set(["fixed", "dismissed"]));
    await expect(everything(source.kinds["dependabot-alert"], { states: ["closed"] })).rejects.toThrow(
      /kind dependabot-alert: selector.states is \["closed"\]; use one of auto_dismissed, dismissed, fixed, open/,
    );
  });

  it("follows GitHub's cursor pagination and resumes from any page exactly", async () => {
    const { fake, source } = await setup({ repos: 1, seed: 13, alertsPerRepo: { dependabot: 230 } });
    const partition = fake.org.repoNames()[0] as string;
    const selector = { states: ["open", "fixed", "dismissed", "auto_dismissed"] };
    const { pages, resumes } = await expectExactResume(
      (cursor) => source.kinds["dependabot-alert"].pages({ partition, selector, cursor }),
      (item) => (item as Item).number,
    );
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 30]);
    expect(resumes).toBe(2);
  });

  it("skips, with a warning, a repository whose Dependabot alerts are off; fails on a missing permission", async () => {
    const warnings: string[] = [];
    const { fake, source } = await setup(
      { repos: 3, seed: 14 },
      { warn: (message) => warnings.push(message) },
    );
    const [off, other] = fake.org.repoNames() as [string, string];
    fake.security.disable(off, "dependabot");
    const items = await everything(source.kinds["dependabot-alert"]);
    expect(items.some((a) => a.__repository === off)).toBe(false);
    expect(items.some((a) => a.__repository === other)).toBe(true);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `skipped repository ${fake.org.login}/${off} for kind dependabot-alert: Dependabot alerts off \\(403: Dependabot alerts are disabled`,
        ),
      ),
    ]);
    fake.inject({ status: 403, message: "Resource not accessible by integration", match: /dependabot/ });
    const error = await everything(source.kinds["dependabot-alert"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceHttpError);
    expect((error as Error).message).toMatch(
      /dependabot\/alerts answered 403: Resource not accessible by integration.*lacks a permission/,
    );
  });
});

describe("code-scanning-alerts", () => {
  it("lists alerts in the selector's state, skipping repositories without code scanning", async () => {
    const warnings: string[] = [];
    const { fake, source } = await setup(
      { repos: 4, seed: 15, alertsPerRepo: { "code-scanning": 9 } },
      { warn: (message) => warnings.push(message) },
    );
    const off = fake.org.repoNames()[1] as string;
    fake.security.disable(off, "code-scanning");
    const items = await everything(source.kinds["code-scanning-alerts"], { state: "fixed" });
    const expected = fake.org
      .listRepos()
      .filter((r) => r.name !== off)
      .flatMap((r) =>
        fake.security
          .codeScanning(r, "fixed")
          .map((a) => ({ ...a, __repository: r.name, __organization: fake.org.login })),
      );
    expect(expected.length).toBeGreaterThan(0);
    expect(items).toEqual(expected);
    expect(warnings).toEqual([
      expect.stringMatching(/code-scanning-alerts: code scanning off \(403: Advanced Security/),
    ]);
    await expect(everything(source.kinds["code-scanning-alerts"], { state: "all" })).rejects.toThrow(
      SelectorError,
    );
  });
});

describe("secret-scanning-alerts", () => {
  it("never reads the secret: asks GitHub to hide it, and drops one a server sends anyway", async () => {
    const { fake, source } = await setup({ repos: 3, seed: 16, alertsPerRepo: { "secret-scanning": 4 } });
    const items = await everything(source.kinds["secret-scanning-alerts"], { state: "all" });
    const all = fake.org.listRepos().flatMap((r) => fake.security.secretScanning(r));
    expect(all.every((a) => typeof a.secret === "string")).toBe(true);
    expect(items.map((a) => a.html_url)).toEqual(all.map((a) => a.html_url));
    expect(items.some((a) => "secret" in a)).toBe(false);
    expect(JSON.stringify(items)).not.toMatch(/ghp_FAKEsecret/);
    // A server that ignores hide_secret (an older GitHub Enterprise Server) still leaks nothing.
    const repo = fake.org.listRepos()[0];
    const leaky = JSON.stringify(fake.security.secretScanning(repo as never));
    expect(leaky).toMatch(/ghp_FAKEsecret/);
    fake.inject({ status: 200, body: leaky, match: /secret-scanning/ });
    const [page] = await collect(
      source.kinds["secret-scanning-alerts"].pages({ partition: repo?.name, selector: { state: "all" } }),
    );
    expect(page?.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(page?.items)).not.toMatch(/ghp_FAKEsecret/);
    const open = await everything(source.kinds["secret-scanning-alerts"]);
    expect(open.map((a) => a.state)).toEqual(all.filter((a) => a.state === "open").map(() => "open"));
    await expect(everything(source.kinds["secret-scanning-alerts"], { hideSecret: false })).rejects.toThrow(
      /selector.hideSecret is false; use one of true/,
    );
  });
});
