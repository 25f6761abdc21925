import { PortCatalog } from "../../lib/catalog/port-catalog.ts";
import { type LocalResyncOptions, resyncLocal } from "../../lib/local/resync.ts";
import { compileResource, loadConfig, type PortAppConfig } from "../../lib/mapping/index.ts";
import { PortClient } from "../../lib/port/client.ts";
import { githubDefaults } from "../../lib/source/github/defaults.ts";
import { createGitHubSource, type GitHubSource } from "../../lib/source/github/index.ts";
import { type GitHubFake, type GitHubFakeOptions, startGitHubFake } from "../fakes/github/index.ts";
import { type PortFake, type PortFakeOptions, startPortFake } from "../fakes/port/index.ts";

export const INTEGRATION = "github-test";

/** The blueprints and entities of the default GitHub mapping, for assertions. */
export const BLUEPRINTS = {
  repository: "githubRepository",
  pullRequest: "githubPullRequest",
  issue: "githubIssue",
  team: "githubTeam",
} as const;

export interface World {
  github: GitHubFake;
  port: PortFake;
  source: GitHubSource;
  client: PortClient;
  catalog: PortCatalog;
  config: PortAppConfig;
  compile: typeof compileResource;
  /** The identifiers the source holds now, per blueprint: what Port must hold after a good resync. */
  expected(): Record<string, string[]>;
  /** The identifiers Port holds now, per blueprint. */
  actual(): Record<string, string[]>;
  close(): Promise<void>;
}

/**
 * A GitHub org (fake), a Port (emulator) with the default GitHub blueprints, and the real
 * source, client and mapping wired to them: what every end-to-end test starts from.
 */
export async function startWorld(
  options: { github?: GitHubFakeOptions; port?: PortFakeOptions; configText?: string } = {},
): Promise<World> {
  const github = await startGitHubFake({
    repos: 20,
    pullsPerRepo: 3,
    issuesPerRepo: 2,
    teams: 4,
    seed: 1,
    ...options.github,
  });
  const port = await startPortFake({
    blueprints: structuredClone(githubDefaults.blueprints) as Array<Record<string, unknown>>,
    integrations: [{ identifier: INTEGRATION, config: {} }],
    ...options.port,
  });
  const source = createGitHubSource({
    org: github.org.login,
    apiUrl: github.url,
    token: github.token,
    http: { retry: { baseDelayMs: 5, maxDelayMs: 50 } },
  });
  const client = new PortClient({
    clientId: port.credentials.clientId,
    clientSecret: port.credentials.clientSecret,
    baseUrl: port.url,
    integrationId: INTEGRATION,
    integrationType: "github",
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  const config = loadConfig(options.configText ?? (await githubDefaults.portAppConfig()));
  const world: World = {
    github,
    port,
    source,
    client,
    catalog: new PortCatalog(client, INTEGRATION),
    config,
    compile: compileResource,
    expected() {
      const repos = github.org.repoNames();
      const pulls = repos.flatMap((repo) =>
        github.org.pulls(repo, "open").map((pr) => `${repo}-${(pr as { number: number }).number}`),
      );
      const issues = repos.flatMap((repo) =>
        github.org
          .issues(repo, "open")
          .filter((i) => !("pull_request" in i))
          .map((i) => `${repo}-${(i as { number: number }).number}`),
      );
      const teams = github.org.teams().map((t) => (t as { slug: string }).slug);
      return {
        [BLUEPRINTS.repository]: [...repos].sort(),
        [BLUEPRINTS.pullRequest]: pulls.sort(),
        [BLUEPRINTS.issue]: issues.sort(),
        [BLUEPRINTS.team]: teams.sort(),
      };
    },
    actual() {
      return Object.fromEntries(
        Object.values(BLUEPRINTS).map((bp) => [
          bp,
          port
            .entities(bp)
            .map((e) => e.identifier)
            .sort(),
        ]),
      );
    },
    async close() {
      await Promise.all([github.close(), port.close()]);
    },
  };
  return world;
}

/** The environment `tide` needs to run against a world's GitHub and Port, as a user sets it. */
export function cliEnv(world: Pick<World, "github" | "port">): Record<string, string> {
  return {
    GITHUB_ORG: world.github.org.login,
    GITHUB_TOKEN: world.github.token,
    GITHUB_API_URL: world.github.url,
    PORT_CLIENT_ID: world.port.credentials.clientId,
    PORT_CLIENT_SECRET: world.port.credentials.clientSecret,
    PORT_BASE_URL: world.port.url,
    TIDE_INTEGRATION_ID: INTEGRATION,
  };
}

/** A local resync of the world's source into its Port, as `tide resync --local` runs it. */
export function resyncWorld(w: World, extra: Partial<LocalResyncOptions> = {}) {
  return resyncLocal({
    integrationId: INTEGRATION,
    config: w.config,
    source: w.source,
    catalog: w.catalog,
    compile: w.compile,
    retryDelayMs: 5,
    ...extra,
  });
}
