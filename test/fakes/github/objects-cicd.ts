import type { FakeOrg } from "./model.ts";
import { iso, type Json, nodeId, type Repo, user, WEB } from "./objects.ts";
import { hashUnit, NOUNS, PEOPLE, pick } from "./random.ts";

/**
 * How much CI/CD, release and ownership data each repository of the fake holds. Counts may be
 * functions of the repository's index. Defaults are small: every test that does not ask still
 * gets a few of each.
 */
export interface CicdOptions {
  workflowsPerRepo?: number | ((repoIndex: number) => number);
  runsPerWorkflow?: number | ((repoIndex: number) => number);
  releasesPerRepo?: number | ((repoIndex: number) => number);
  tagsPerRepo?: number | ((repoIndex: number) => number);
  /** Besides `main`. */
  branchesPerRepo?: number | ((repoIndex: number) => number);
  environmentsPerRepo?: number | ((repoIndex: number) => number);
  deploymentsPerRepo?: number | ((repoIndex: number) => number);
  statusesPerDeployment?: number;
  collaboratorsPerRepo?: number | ((repoIndex: number) => number);
  /** The org's members (at most 20: the fake's people). */
  members?: number;
}

const ENVIRONMENTS = ["production", "staging", "development", "qa"];
const RUN_STATES: Array<[status: string, conclusion: string | null]> = [
  ["completed", "success"],
  ["completed", "success"],
  ["completed", "failure"],
  ["completed", "cancelled"],
  ["in_progress", null],
  ["queued", null],
];
const DEPLOY_STATES = ["success", "failure", "in_progress", "queued", "inactive", "error"];
const HOUR = 3_600_000;

/**
 * GitHub's CI/CD, release and ownership objects for the fake's org, derived from the seed:
 * the ground truth the tests compare the source's output with.
 */
export class CicdModel {
  readonly #org: FakeOrg;
  readonly #options: CicdOptions;

  constructor(org: FakeOrg, options: CicdOptions = {}) {
    this.#org = org;
    this.#options = options;
  }

  #count(value: CicdOptions[keyof CicdOptions], repo: Repo, fallback: number): number {
    return typeof value === "function" ? value(repo.index) : (value ?? fallback);
  }

  #sha(...keys: number[]): string {
    const part = (k: number) =>
      Math.floor(hashUnit(this.#org.seed, 40, ...keys, k) * 2 ** 32)
        .toString(16)
        .padStart(8, "0");
    return [1, 2, 3, 4, 5].map(part).join("");
  }

  #api(repo: Repo): string {
    return `${this.#org.apiUrl}/repos/${this.#org.login}/${repo.name}`;
  }

  /** `GET /orgs/{org}` (organization-full). */
  organization(): Json {
    const org = this.#org;
    const api = `${org.apiUrl}/orgs/${org.login}`;
    return {
      login: org.login,
      id: org.id,
      node_id: nodeId("Organization", org.id),
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`,
      description: "The fake organization",
      name: org.login.toUpperCase(),
      company: "Acme Corp",
      blog: `${WEB}/${org.login}`,
      location: "Earth",
      email: `hello@${org.login}.example.com`,
      twitter_username: null,
      is_verified: false,
      has_organization_projects: true,
      has_repository_projects: true,
      public_repos: org.listRepos("public").length,
      public_gists: 0,
      followers: 0,
      following: 0,
      html_url: `${WEB}/${org.login}`,
      type: "Organization",
      created_at: "2020-06-01T09:00:00Z",
      updated_at: "2024-01-15T12:00:00Z",
      archived_at: null,
    };
  }

  /** `GET /orgs/{org}/members` (simple-user). */
  members(): Json[] {
    const count = Math.min(PEOPLE.length, this.#options.members ?? 8);
    return PEOPLE.slice(0, count).map((_, i) => user(this.#org, (i + 0.5) / PEOPLE.length));
  }

  /** `GET /orgs/{org}/teams/{slug}/members`: a few of the org's members, by the team's seed. */
  teamMembers(teamIndex: number): Json[] {
    return this.members().filter((_, i) => hashUnit(this.#org.seed, 41, teamIndex, i) < 0.4);
  }

  /** A member's `GET /users/{login}` fields the user kind adds: name and public email. */
  profile(login: string): { name: string; email: string | null } {
    const i = PEOPLE.indexOf(login as (typeof PEOPLE)[number]);
    const name = `${login[0]?.toUpperCase()}${login.slice(1)} ${pick(NOUNS, hashUnit(this.#org.seed, 42, i))}`;
    return { name, email: i % 3 === 0 ? null : `${login}@example.com` };
  }

  /** `GET /repos/{owner}/{repo}/collaborators` (collaborator). */
  collaborators(repo: Repo, affiliation = "all"): Json[] {
    const count = this.#count(this.#options.collaboratorsPerRepo, repo, 3);
    const all = Array.from({ length: count }, (_, i) => {
      const u = (k: number) => hashUnit(this.#org.seed, 43, repo.index, i, k);
      const role = pick(["admin", "maintain", "write", "triage", "read"], u(1));
      const rank = ["read", "triage", "write", "maintain", "admin"].indexOf(role);
      return {
        ...user(this.#org, (i + 0.5) / PEOPLE.length),
        permissions: {
          pull: true,
          triage: rank >= 1,
          push: rank >= 2,
          maintain: rank >= 3,
          admin: rank >= 4,
        },
        role_name: role,
        __outside: u(2) < 0.25,
      };
    });
    return all
      .filter((c) => affiliation === "all" || (affiliation === "outside") === c.__outside)
      .map(({ __outside: _, ...c }) => c);
  }

  /** `GET /repos/{owner}/{repo}/actions/workflows` (workflow). */
  workflows(repo: Repo): Json[] {
    const count = this.#count(this.#options.workflowsPerRepo, repo, 2);
    return Array.from({ length: count }, (_, i) => {
      const id = 170_000_000 + repo.id * 100 + i;
      const name = ["Build", "Test", "Deploy", "Release", "Lint"][i % 5] ?? "Build";
      const file = `.github/workflows/${name.toLowerCase()}${i >= 5 ? i : ""}.yaml`;
      return {
        id,
        node_id: nodeId("Workflow", id),
        name,
        path: file,
        state: hashUnit(this.#org.seed, 44, repo.index, i) < 0.9 ? "active" : "disabled_manually",
        created_at: iso(repo.createdAt + HOUR),
        updated_at: iso(repo.createdAt + 2 * HOUR),
        url: `${this.#api(repo)}/actions/workflows/${id}`,
        html_url: `${WEB}/${this.#org.login}/${repo.name}/blob/main/${file}`,
        badge_url: `${WEB}/${this.#org.login}/${repo.name}/workflows/${name}/badge.svg`,
      };
    });
  }

  /** `GET /repos/{owner}/{repo}/actions/workflows/{id}/runs` (workflow-run), newest first. */
  runs(repo: Repo, workflowId: number): Json[] {
    const workflow = this.workflows(repo).find((w) => w.id === workflowId);
    if (!workflow) return [];
    const count = this.#count(this.#options.runsPerWorkflow, repo, 3);
    const repoJson = this.#org.repoJson(repo);
    const runs: Json[] = [];
    for (let n = count; n >= 1; n--) {
      const u = (k: number) => hashUnit(this.#org.seed, 45, workflowId, n, k);
      const id = workflowId * 1000 + n;
      const [status, conclusion] = pick(RUN_STATES, u(1));
      const created = repo.createdAt + n * HOUR;
      const sha = this.#sha(workflowId, n);
      const actor = user(this.#org, u(2));
      const api = `${this.#api(repo)}/actions/runs/${id}`;
      runs.push({
        id,
        name: workflow.name,
        node_id: nodeId("WorkflowRun", id),
        head_branch: "main",
        head_sha: sha,
        path: workflow.path,
        display_title: `${workflow.name} #${n}`,
        run_number: n,
        event: pick(["push", "pull_request", "workflow_dispatch", "schedule"], u(3)),
        status,
        conclusion,
        workflow_id: workflowId,
        check_suite_id: id + 7,
        check_suite_node_id: nodeId("CheckSuite", id + 7),
        url: api,
        html_url: `${WEB}/${this.#org.login}/${repo.name}/actions/runs/${id}`,
        pull_requests: [],
        created_at: iso(created),
        updated_at: iso(created + 5 * 60_000),
        actor,
        run_attempt: 1,
        referenced_workflows: [],
        run_started_at: iso(created),
        triggering_actor: actor,
        jobs_url: `${api}/jobs`,
        logs_url: `${api}/logs`,
        check_suite_url: `${this.#api(repo)}/check-suites/${id + 7}`,
        artifacts_url: `${api}/artifacts`,
        cancel_url: `${api}/cancel`,
        rerun_url: `${api}/rerun`,
        previous_attempt_url: null,
        workflow_url: workflow.url,
        head_commit: {
          id: sha,
          tree_id: this.#sha(workflowId, n, 1),
          message: `Change ${n}`,
          timestamp: iso(created - 60_000),
          author: { name: actor.login, email: `${actor.login}@example.com` },
          committer: { name: "GitHub", email: "noreply@github.com" },
        },
        repository: repoJson,
        head_repository: repoJson,
      });
    }
    return runs;
  }

  /** `GET /repos/{owner}/{repo}/releases` (release), newest first. */
  releases(repo: Repo): Json[] {
    const count = this.#count(this.#options.releasesPerRepo, repo, 2);
    const releases: Json[] = [];
    for (let n = count; n >= 1; n--) {
      const id = 190_000_000 + repo.id * 100 + n;
      const tag = `v1.${n}.0`;
      const created = repo.createdAt + n * 24 * HOUR;
      const api = `${this.#api(repo)}/releases/${id}`;
      releases.push({
        url: api,
        html_url: `${WEB}/${this.#org.login}/${repo.name}/releases/tag/${tag}`,
        assets_url: `${api}/assets`,
        upload_url: `https://uploads.github.com/repos/${this.#org.login}/${repo.name}/releases/${id}/assets{?name,label}`,
        tarball_url: `${this.#api(repo)}/tarball/${tag}`,
        zipball_url: `${this.#api(repo)}/zipball/${tag}`,
        id,
        node_id: nodeId("Release", id),
        tag_name: tag,
        target_commitish: "main",
        name: `Release ${tag}`,
        body: `Changes in ${tag}`,
        draft: false,
        prerelease: hashUnit(this.#org.seed, 46, repo.index, n) < 0.2,
        created_at: iso(created),
        published_at: iso(created + HOUR),
        author: user(this.#org, hashUnit(this.#org.seed, 47, repo.index, n)),
        assets: [],
      });
    }
    return releases;
  }

  /** `GET /repos/{owner}/{repo}/tags` (tag). */
  tags(repo: Repo): Json[] {
    const count = this.#count(this.#options.tagsPerRepo, repo, 2);
    const tags: Json[] = [];
    for (let n = count; n >= 1; n--) {
      const name = `v1.${n}.0`;
      const sha = this.#sha(repo.id, n, 9);
      tags.push({
        name,
        commit: { sha, url: `${this.#api(repo)}/commits/${sha}` },
        zipball_url: `${this.#api(repo)}/zipball/refs/tags/${name}`,
        tarball_url: `${this.#api(repo)}/tarball/refs/tags/${name}`,
        node_id: nodeId("Ref", repo.id * 100 + n),
      });
    }
    return tags;
  }

  /** `GET /repos/{owner}/{repo}/branches` (short-branch), by name as GitHub sorts them. */
  branches(repo: Repo): Json[] {
    const count = this.#count(this.#options.branchesPerRepo, repo, 2);
    const names = ["main"];
    for (let i = 0; i < count; i++)
      names.push(`feature/${pick(NOUNS, hashUnit(this.#org.seed, 48, repo.index, i))}-${i}`);
    return names.sort().map((name, i) => {
      const sha = this.#sha(repo.id, i, 10);
      const isMain = name === "main";
      return {
        name,
        commit: { sha, url: `${this.#api(repo)}/commits/${sha}` },
        protected: isMain,
        protection: {
          enabled: isMain,
          required_status_checks: {
            enforcement_level: isMain ? "non_admins" : "off",
            contexts: [],
            checks: [],
          },
        },
        protection_url: `${this.#api(repo)}/branches/${encodeURIComponent(name)}/protection`,
      };
    });
  }

  /** `GET /repos/{owner}/{repo}/environments` (environment). */
  environments(repo: Repo): Json[] {
    const count = Math.min(ENVIRONMENTS.length, this.#count(this.#options.environmentsPerRepo, repo, 2));
    return ENVIRONMENTS.slice(0, count).map((name, i) => {
      const id = 7_900_000_000 + repo.id * 10 + i;
      return {
        id,
        node_id: nodeId("Environment", id),
        name,
        url: `${this.#api(repo)}/environments/${name}`,
        html_url: `${WEB}/${this.#org.login}/${repo.name}/deployments/activity_log?environments_filter=${name}`,
        created_at: iso(repo.createdAt + HOUR),
        updated_at: iso(repo.createdAt + 2 * HOUR),
        can_admins_bypass: true,
        protection_rules: [],
        deployment_branch_policy: null,
      };
    });
  }

  /** `GET /repos/{owner}/{repo}/deployments` (deployment), newest first; `task`/`environment` filter. */
  deployments(repo: Repo, filter: { task?: string | null; environment?: string | null } = {}): Json[] {
    const count = this.#count(this.#options.deploymentsPerRepo, repo, 3);
    const environments = this.environments(repo).map((e) => e.name as string);
    const deployments: Json[] = [];
    for (let n = count; n >= 1; n--) {
      const u = (k: number) => hashUnit(this.#org.seed, 49, repo.index, n, k);
      const id = 2_000_000_000 + repo.id * 1000 + n;
      const created = repo.createdAt + n * 6 * HOUR;
      const api = `${this.#api(repo)}/deployments/${id}`;
      deployments.push({
        url: api,
        id,
        node_id: nodeId("Deployment", id),
        sha: this.#sha(repo.id, n, 11),
        ref: "main",
        task: u(1) < 0.8 ? "deploy" : "deploy:migrations",
        payload: {},
        original_environment: pick(environments.length > 0 ? environments : ["production"], u(2)),
        environment: pick(environments.length > 0 ? environments : ["production"], u(2)),
        description: `Deploy #${n}`,
        creator: user(this.#org, u(3)),
        created_at: iso(created),
        updated_at: iso(created + 10 * 60_000),
        statuses_url: `${api}/statuses`,
        repository_url: this.#api(repo),
        transient_environment: false,
        production_environment: u(2) < 0.5,
      });
    }
    return deployments.filter(
      (d) =>
        (!filter.task || d.task === filter.task) &&
        (!filter.environment || d.environment === filter.environment),
    );
  }

  /** `GET /repos/{owner}/{repo}/deployments/{id}/statuses` (deployment-status), newest first. */
  statuses(repo: Repo, deploymentId: number): Json[] {
    const deployment = this.deployments(repo).find((d) => d.id === deploymentId);
    if (!deployment) return [];
    const count = this.#options.statusesPerDeployment ?? 2;
    const statuses: Json[] = [];
    for (let n = count; n >= 1; n--) {
      const id = deploymentId * 10 + n;
      const state =
        n === 1 ? "in_progress" : pick(DEPLOY_STATES, hashUnit(this.#org.seed, 50, deploymentId, n));
      const at = iso(Date.parse(String(deployment.created_at)) + n * 60_000);
      statuses.push({
        url: `${deployment.url}/statuses/${id}`,
        id,
        node_id: nodeId("DeploymentStatus", id),
        state,
        creator: deployment.creator,
        description: `Deployment ${state}`,
        environment: deployment.environment,
        target_url: `${WEB}/${this.#org.login}/${repo.name}/actions`,
        created_at: at,
        updated_at: at,
        deployment_url: deployment.url,
        repository_url: this.#api(repo),
        environment_url: `https://${String(deployment.environment)}.example.com`,
        log_url: `${WEB}/${this.#org.login}/${repo.name}/actions`,
      });
    }
    return statuses;
  }
}
