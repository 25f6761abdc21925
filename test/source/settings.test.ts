import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { githubSource } from "../../lib/source/github/index.ts";
import { getKind, resolveSettings, SettingsError, type SourceDefinition } from "../../lib/source/index.ts";
import { startGitHubFake } from "../fakes/github/index.ts";
import { collect, type GitHubFake, itemsOf } from "./helpers.ts";

const problemsOf = (fn: () => unknown): SettingsError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error("expected a SettingsError");
};

describe("resolveSettings", () => {
  const definition: SourceDefinition = {
    name: "example",
    settings: [
      { name: "EX_URL", type: "url", default: "https://example.com/api/", description: "the API" },
      { name: "EX_PAGES", type: "number", default: "5", description: "pages" },
      { name: "EX_DRY", type: "boolean", description: "dry run" },
      { name: "EX_SECRET", type: "number", sensitive: true, required: true, description: "a secret pin" },
      { name: "EX_NAME", type: "string", required: true, description: "a name" },
    ],
    create: () => ({ name: "example", kinds: {} }),
  };

  it("parses types and applies defaults", () => {
    const settings = resolveSettings(definition, { EX_DRY: "yes", EX_SECRET: "1234", EX_NAME: " acme " });
    expect(settings).toEqual({
      EX_URL: "https://example.com/api",
      EX_PAGES: 5,
      EX_DRY: true,
      EX_SECRET: 1234,
      EX_NAME: "acme",
    });
  });

  it("lists every problem at once, each named, and never a sensitive value", () => {
    const error = problemsOf(() =>
      resolveSettings(definition, {
        EX_URL: "ftp://x",
        EX_PAGES: "many",
        EX_DRY: "perhaps",
        EX_SECRET: "hunter2",
      }),
    );
    expect(error.problems.map((p) => p.setting)).toEqual([
      "EX_URL",
      "EX_PAGES",
      "EX_DRY",
      "EX_SECRET",
      "EX_NAME",
    ]);
    expect(error.message).toContain('EX_URL: "ftp://x" is not an http(s) URL');
    expect(error.message).toContain('EX_PAGES: "many" is not a number');
    expect(error.message).toContain('EX_DRY: "perhaps" is not a boolean');
    expect(error.message).toContain("EX_SECRET: the value is not a number");
    expect(error.message).toContain("EX_NAME: required, not set (a name)");
    expect(error.message).not.toContain("hunter2");
  });
});

describe("GitHub settings", () => {
  const key = () =>
    generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();

  it("names a missing GITHUB_ORG and a missing token", () => {
    const error = problemsOf(() => resolveSettings(githubSource, {}));
    expect(error.problems.map((p) => p.setting)).toEqual(["GITHUB_ORG", "GITHUB_TOKEN"]);
    expect(error.message).toContain("invalid settings for the github source:");
    expect(error.message).toContain("GITHUB_ORG: required, not set");
    expect(error.message).toContain("GITHUB_TOKEN: required, not set (or set the GitHub App settings");
  });

  it("names the App settings that are missing when some are set, each once", () => {
    const error = problemsOf(() =>
      resolveSettings(githubSource, { GITHUB_ORG: "acme", GITHUB_APP_ID: "12" }),
    );
    expect(error.problems.map((p) => p.setting)).toEqual([
      "GITHUB_APP_PRIVATE_KEY",
      "GITHUB_APP_INSTALLATION_ID",
    ]);
    const unreadable = problemsOf(() =>
      resolveSettings(githubSource, {
        GITHUB_ORG: "acme",
        GITHUB_APP_ID: "12",
        GITHUB_APP_INSTALLATION_ID: "abc",
      }),
    );
    expect(unreadable.problems.map((p) => p.setting)).toEqual([
      "GITHUB_APP_INSTALLATION_ID",
      "GITHUB_APP_PRIVATE_KEY",
    ]);
    expect(unreadable.message).toContain('GITHUB_APP_INSTALLATION_ID: "abc" is not a number');
  });

  it("refuses a token and an App together, and a bad org or URL", () => {
    const error = problemsOf(() =>
      resolveSettings(githubSource, {
        GITHUB_ORG: "acme/inc",
        GITHUB_TOKEN: "ghp_abc",
        GITHUB_APP_ID: "12",
        GITHUB_API_URL: "not a url",
      }),
    );
    expect(error.message).toContain('GITHUB_API_URL: "not a url" is not an http(s) URL');
    const both = problemsOf(() =>
      resolveSettings(githubSource, { GITHUB_ORG: "acme/inc", GITHUB_TOKEN: "ghp_abc", GITHUB_APP_ID: "12" }),
    );
    expect(both.message).toContain('GITHUB_ORG: "acme/inc" is not an organization login');
    expect(both.message).toContain(
      "GITHUB_TOKEN, GITHUB_APP_ID: set either GITHUB_TOKEN or the GitHub App settings",
    );
    expect(both.message).not.toContain("ghp_abc");
  });

  it("checks the private key at start, without printing it", () => {
    const secret = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
    const error = problemsOf(() =>
      resolveSettings(githubSource, {
        GITHUB_ORG: "acme",
        GITHUB_APP_ID: "12",
        GITHUB_APP_PRIVATE_KEY: secret,
        GITHUB_APP_INSTALLATION_ID: "34",
      }),
    );
    expect(error.message).toContain("GITHUB_APP_PRIVATE_KEY: not a readable PEM private key");
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.problems)).not.toContain(secret);
  });

  it("accepts App settings with a \\n-escaped key", () => {
    const settings = resolveSettings(githubSource, {
      GITHUB_ORG: "acme",
      GITHUB_APP_ID: "12",
      GITHUB_APP_PRIVATE_KEY: key().trim().replace(/\n/g, "\\n"),
      GITHUB_APP_INSTALLATION_ID: "34",
    });
    expect(settings).toMatchObject({
      GITHUB_API_URL: "https://api.github.com",
      GITHUB_APP_INSTALLATION_ID: 34,
    });
  });

  describe("with a GitHub to talk to", () => {
    let fake: GitHubFake | undefined;
    afterEach(async () => {
      await fake?.close();
    });

    it("builds a working source from the environment", async () => {
      fake = await startGitHubFake({ repos: 7, org: "umbrella" });
      const env = { GITHUB_ORG: "umbrella", GITHUB_TOKEN: fake.token, GITHUB_API_URL: `${fake.url}/` };
      const source = githubSource.create(resolveSettings(githubSource, env));
      const repos = itemsOf(await collect(getKind(source, "repository").pages()));
      expect(repos.map((r) => (r as { name: string }).name)).toEqual(fake.org.repoNames());
    });
  });
});
