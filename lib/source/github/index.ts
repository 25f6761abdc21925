import type { Kind, Source, SourceDefinition } from "../types.ts";
import { GitHubAppAuth, type GitHubAuth, tokenAuth } from "./app-auth.ts";
import { GitHubClient, type GitHubHttpOptions } from "./client.ts";
import { githubDefaults } from "./defaults.ts";
import { issueKind, pullRequestKind, repositoryKind, teamKind } from "./kinds.ts";
import { checkGitHubSettings, GITHUB_SETTINGS } from "./settings.ts";

export { createAppJwt, GitHubAppAuth, type GitHubAppAuthOptions, readPrivateKey } from "./app-auth.ts";
export { GitHubClient, isGitHubRetryable } from "./client.ts";

export type GitHubKindName = "repository" | "pull-request" | "issue" | "team";
export type GitHubSource = Source & { kinds: Readonly<Record<GitHubKindName, Kind>> };

export interface GitHubSourceOptions {
  org: string;
  /** Default `https://api.github.com`; `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiUrl?: string;
  /** A personal access token; or `app`. */
  token?: string;
  app?: {
    appId: string;
    privateKey: string;
    installationId: string | number;
    refreshBeforeExpiryMs?: number;
  };
  userAgent?: string;
  http?: GitHubHttpOptions;
  /** The clock the App token cache reads; tests move it. */
  now?: () => number;
}

/**
 * The GitHub source: kinds `repository`, `pull-request` and `issue` (partitioned by
 * repository) and `team`, for one organization.
 *
 * @example
 * const source = createGitHubSource({ org: "acme", token: process.env.GITHUB_TOKEN });
 * const pulls = source.kinds["pull-request"];
 * for await (const repo of pulls.partitions?.() ?? []) {
 *   for await (const page of pulls.pages({ partition: repo, selector: { state: "all" } })) save(page);
 * }
 */
export function createGitHubSource(options: GitHubSourceOptions): GitHubSource {
  let auth: GitHubAuth;
  if (options.app) auth = new GitHubAppAuth({ ...options.app, now: options.now });
  else if (options.token) auth = tokenAuth(options.token);
  else throw new Error("the GitHub source needs a token or GitHub App credentials");
  const client = new GitHubClient({
    apiUrl: options.apiUrl ?? "https://api.github.com",
    auth,
    userAgent: options.userAgent,
    http: options.http,
  });
  const ctx = { client, org: options.org };
  return {
    name: "github",
    kinds: {
      repository: repositoryKind(ctx),
      "pull-request": pullRequestKind(ctx),
      issue: issueKind(ctx),
      team: teamKind(ctx),
    },
  };
}

/** The GitHub source as the registry builds it from environment settings. */
export const githubSource: SourceDefinition = {
  name: "github",
  settings: GITHUB_SETTINGS,
  check: checkGitHubSettings,
  create: (settings) => {
    const app = settings.GITHUB_APP_ID
      ? {
          appId: String(settings.GITHUB_APP_ID),
          privateKey: String(settings.GITHUB_APP_PRIVATE_KEY),
          installationId: String(settings.GITHUB_APP_INSTALLATION_ID),
        }
      : undefined;
    return createGitHubSource({
      org: String(settings.GITHUB_ORG),
      apiUrl: String(settings.GITHUB_API_URL ?? "https://api.github.com"),
      token: typeof settings.GITHUB_TOKEN === "string" ? settings.GITHUB_TOKEN : undefined,
      app,
    });
  },
  defaults: githubDefaults,
};
