import type { Kind, Source, SourceDefinition } from "../types.ts";
import { GitHubClient, type GitHubHttpOptions } from "./client.ts";
import { githubDefaults } from "./defaults.ts";
import { readRepositoryFile } from "./files.ts";
import { branchKind } from "./kinds/branch.ts";
import { codeScanningAlertsKind } from "./kinds/code-scanning-alerts.ts";
import { collaboratorKind } from "./kinds/collaborator.ts";
import { dependabotAlertKind } from "./kinds/dependabot-alert.ts";
import { deploymentKind } from "./kinds/deployment.ts";
import { deploymentStatusKind } from "./kinds/deployment-status.ts";
import { environmentKind } from "./kinds/environment.ts";
import { fileKind } from "./kinds/file.ts";
import { folderKind } from "./kinds/folder.ts";
import { organizationKind } from "./kinds/organization.ts";
import { releaseKind } from "./kinds/release.ts";
import { secretScanningAlertsKind } from "./kinds/secret-scanning-alerts.ts";
import { tagKind } from "./kinds/tag.ts";
import { teamKind } from "./kinds/team.ts";
import { userKind } from "./kinds/user.ts";
import { workflowKind } from "./kinds/workflow.ts";
import { workflowRunKind } from "./kinds/workflow-run.ts";
import { issueKind, pullRequestKind, repositoryKind } from "./kinds.ts";
import { DEFAULT_MAX_CONCURRENCY } from "./octokit.ts";
import { realClock } from "./pause.ts";
import { RepositoryListings } from "./repo-listing.ts";
import { checkGitHubSettings, GITHUB_SETTINGS } from "./settings.ts";

export { createAppJwt, readPrivateKey } from "./app-auth.ts";
export { GitHubClient, GitHubHttpError, type GitHubHttpOptions } from "./client.ts";
export { type Clock, GitHubPause } from "./pause.ts";

/** The kinds of the GitHub source, known without settings (`tide validate` checks a config against them). */
export const GITHUB_KINDS = [
  "organization",
  "repository",
  "pull-request",
  "issue",
  "user",
  "team",
  "collaborator",
  "workflow",
  "workflow-run",
  "release",
  "tag",
  "branch",
  "environment",
  "deployment",
  "deployment-status",
  "dependabot-alert",
  "code-scanning-alerts",
  "secret-scanning-alerts",
  "file",
  "folder",
] as const;
export type GitHubKindName = (typeof GITHUB_KINDS)[number];
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
  /** The clock the App token cache reads; tests move it. (`http.clock` sets the rate-limit clock too.) */
  now?: () => number;
  /** Where a skipped repository is reported (blocked by GitHub). Default: `console.warn`. */
  warn?: (message: string, detail: Record<string, unknown>) => void;
}

/**
 * The GitHub source, for one organization, shaped as Ocean's GitHub integration gives its
 * items: kinds `organization`, `user`, `team` (org-wide), and `repository`, `pull-request`,
 * `issue`, `collaborator`, `workflow`, `workflow-run`, `release`, `tag`, `branch`,
 * `environment`, `deployment`, `deployment-status`, the security alerts
 * (`dependabot-alert`, `code-scanning-alerts`, `secret-scanning-alerts`) and catalog-as-code
 * (`file`, `folder`), partitioned by repository.
 *
 * @example
 * const source = createGitHubSource({ org: "acme", token: process.env.GITHUB_TOKEN });
 * const pulls = source.kinds["pull-request"];
 * for await (const repo of pulls.partitions?.() ?? []) {
 *   for await (const page of pulls.pages({ partition: repo, selector: { state: "all" } })) save(page);
 * }
 */
export function createGitHubSource(options: GitHubSourceOptions): GitHubSource {
  if (!options.app && !options.token)
    throw new Error("the GitHub source needs a token or GitHub App credentials");
  const warn = options.warn ?? ((message, detail) => console.warn(message, JSON.stringify(detail)));
  const clock = options.http?.clock ?? (options.now ? { ...realClock, now: options.now } : undefined);
  const client = new GitHubClient({
    apiUrl: options.apiUrl ?? "https://api.github.com",
    token: options.app ? undefined : options.token,
    app: options.app,
    userAgent: options.userAgent,
    http: { ...options.http, clock },
    warn: (message) => warn(`github: ${message}`, {}),
  });
  const listings = new RepositoryListings(client, { now: clock?.now });
  const ctx = { client, org: options.org, listings, warn };
  return {
    name: "github",
    kinds: {
      organization: organizationKind(ctx),
      repository: repositoryKind(ctx),
      "pull-request": pullRequestKind(ctx),
      issue: issueKind(ctx),
      user: userKind(ctx),
      team: teamKind(ctx),
      collaborator: collaboratorKind(ctx),
      workflow: workflowKind(ctx),
      "workflow-run": workflowRunKind(ctx),
      release: releaseKind(ctx),
      tag: tagKind(ctx),
      branch: branchKind(ctx),
      environment: environmentKind(ctx),
      deployment: deploymentKind(ctx),
      "deployment-status": deploymentStatusKind(ctx),
      "dependabot-alert": dependabotAlertKind(ctx),
      "code-scanning-alerts": codeScanningAlertsKind(ctx),
      "secret-scanning-alerts": secretScanningAlertsKind(ctx),
      file: fileKind(ctx),
      folder: folderKind(ctx),
    },
    readFile: (request, callOptions) => readRepositoryFile(client, request, callOptions),
  };
}

/** The GitHub source as the registry builds it from environment settings. */
export const githubSource: SourceDefinition = {
  name: "github",
  settings: GITHUB_SETTINGS,
  check: checkGitHubSettings,
  kinds: GITHUB_KINDS,
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
      http: { maxConcurrency: Number(settings.GITHUB_MAX_CONCURRENCY ?? DEFAULT_MAX_CONCURRENCY) },
    });
  },
  defaults: githubDefaults,
};
