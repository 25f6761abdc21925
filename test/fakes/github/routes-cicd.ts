import type { FakeOrg } from "./model.ts";
import type { Json } from "./objects.ts";
import type { CicdModel } from "./objects-cicd.ts";
import { paginate, type Route } from "./protocol.ts";

/**
 * The fake's organization, ownership, CI/CD and release routes: one org, its members and team
 * members, and per repository its collaborators, workflows and runs, releases, tags, branches,
 * environments, deployments and their statuses — paginated, filtered and enveloped as GitHub does.
 */

const ROUTES: Array<[RegExp, string, string[]]> = [
  [/^\/orgs\/([^/]+)$/, "/orgs/{org}", ["org"]],
  [/^\/orgs\/([^/]+)\/members$/, "/orgs/{org}/members", ["org"]],
  [/^\/orgs\/([^/]+)\/teams\/([^/]+)\/members$/, "/orgs/{org}/teams/{slug}/members", ["org", "slug"]],
  [/^\/users\/([^/]+)$/, "/users/{login}", ["login"]],
  [
    /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/(\d+)\/runs$/,
    "/repos/{owner}/{repo}/actions/workflows/{id}/runs",
    ["owner", "repo", "id"],
  ],
  [
    /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/,
    "/repos/{owner}/{repo}/deployments/{id}/statuses",
    ["owner", "repo", "id"],
  ],
  [
    /^\/repos\/([^/]+)\/([^/]+)\/(collaborators|actions\/workflows|releases|tags|branches|environments|deployments)$/,
    "/repos/{owner}/{repo}/{list}",
    ["owner", "repo", "list"],
  ],
];

/** The route of a request this file serves (named like GitHub's docs, for stats), else undefined. */
export function cicdRouteOf(method: string, path: string): Route | undefined {
  // A repository by id (where GitHub redirects a renamed one): the same routes, `repoId` set.
  const byId = /^\/repositories\/(\d+)(\/.+)$/.exec(path);
  const named = byId ? `/repos/-/-${byId[2]}` : path;
  for (const [pattern, template, names] of ROUTES) {
    const match = pattern.exec(named);
    if (!match) continue;
    const params: Record<string, string | undefined> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? "");
    });
    const name = params.list ? template.replace("{list}", params.list) : template;
    if (byId) Object.assign(params, { owner: undefined, repo: undefined, repoId: byId[1] });
    return { name: `${method} ${name}`, params };
  }
  return undefined;
}

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;
const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };

/** Answers a route {@link cicdRouteOf} named; false for another method (not served). */
export function serveCicdRoute(
  org: FakeOrg,
  cicd: CicdModel,
  route: Route,
  url: URL,
  headers: Record<string, string>,
  send: Send,
): boolean {
  const { params } = route;
  const q = url.searchParams;
  const page = (all: Json[], envelope?: string) => {
    const items = paginate(all, url, url.pathname, headers);
    send(200, envelope ? { total_count: all.length, [envelope]: items } : items, headers);
  };
  if (params.org !== undefined && params.org.toLowerCase() !== org.login.toLowerCase()) {
    send(404, NOT_FOUND, headers);
    return true;
  }
  if (route.name === "GET /orgs/{org}") {
    send(200, cicd.organization(), headers);
    return true;
  }
  if (route.name === "GET /orgs/{org}/members") {
    page(cicd.members());
    return true;
  }
  if (route.name === "GET /orgs/{org}/teams/{slug}/members") {
    const index = org.teams().findIndex((t) => t.slug === params.slug);
    if (index < 0) send(404, NOT_FOUND, headers);
    else page(cicd.teamMembers(index));
    return true;
  }
  if (route.name === "GET /users/{login}") {
    const member = cicd.members().find((m) => m.login === params.login);
    if (!member) send(404, NOT_FOUND, headers);
    else send(200, { ...member, ...cicd.profile(String(member.login)), ...PUBLIC_USER }, headers);
    return true;
  }
  if (!route.name.startsWith("GET /repos/")) return false;
  if (params.repoId === undefined && params.owner?.toLowerCase() !== org.login.toLowerCase()) {
    send(404, NOT_FOUND, headers);
    return true;
  }
  const found = org.findRepo(params.repoId === undefined ? (params.repo ?? "") : Number(params.repoId));
  if (found.redirectTo !== undefined) {
    // Renamed: GitHub answers 301 to the same list of the repository by id.
    const rest = url.pathname.split("/").slice(4).join("/");
    const location = `${url.origin}/repositories/${found.redirectTo}/${rest}${url.search}`;
    send(301, { message: "Moved Permanently", url: location }, { ...headers, location });
    return true;
  }
  const repo = found.repo;
  if (!repo) {
    send(404, NOT_FOUND, headers);
    return true;
  }
  if (repo.blocked) {
    send(repo.blocked.status, { message: "Repository access blocked", block: repo.blocked.block }, headers);
    return true;
  }
  switch (route.name) {
    case "GET /repos/{owner}/{repo}/collaborators": {
      const affiliation = q.get("affiliation") ?? "all";
      if (!["all", "direct", "outside"].includes(affiliation)) send(422, VALIDATION, headers);
      else page(cicd.collaborators(repo, affiliation));
      return true;
    }
    case "GET /repos/{owner}/{repo}/actions/workflows":
      page(cicd.workflows(repo), "workflows");
      return true;
    case "GET /repos/{owner}/{repo}/actions/workflows/{id}/runs": {
      const id = Number(params.id);
      if (!cicd.workflows(repo).some((w) => w.id === id)) {
        send(404, NOT_FOUND, headers);
        return true;
      }
      const status = q.get("status");
      const created = q.get("created");
      const since = created?.startsWith(">=") ? Date.parse(created.slice(2)) : undefined;
      if (created && (since === undefined || Number.isNaN(since))) {
        send(422, VALIDATION, headers);
        return true;
      }
      const runs = cicd
        .runs(repo, id)
        .filter((r) => !status || r.status === status || r.conclusion === status)
        .filter((r) => since === undefined || Date.parse(String(r.created_at)) >= since);
      page(runs, "workflow_runs");
      return true;
    }
    case "GET /repos/{owner}/{repo}/releases":
      page(cicd.releases(repo));
      return true;
    case "GET /repos/{owner}/{repo}/tags":
      page(cicd.tags(repo));
      return true;
    case "GET /repos/{owner}/{repo}/branches":
      page(cicd.branches(repo));
      return true;
    case "GET /repos/{owner}/{repo}/environments":
      page(cicd.environments(repo), "environments");
      return true;
    case "GET /repos/{owner}/{repo}/deployments":
      page(cicd.deployments(repo, { task: q.get("task"), environment: q.get("environment") }));
      return true;
    case "GET /repos/{owner}/{repo}/deployments/{id}/statuses": {
      const id = Number(params.id);
      if (!cicd.deployments(repo).some((d) => d.id === id)) send(404, NOT_FOUND, headers);
      else page(cicd.statuses(repo, id));
      return true;
    }
    default:
      return false;
  }
}

const VALIDATION = { message: "Validation Failed", documentation_url: "https://docs.github.com/rest" };

/** The rest of a `GET /users/{login}` answer (public-user) that the fake does not vary. */
const PUBLIC_USER = {
  company: null,
  blog: "",
  location: null,
  hireable: null,
  bio: null,
  twitter_username: null,
  public_repos: 3,
  public_gists: 0,
  followers: 1,
  following: 1,
  created_at: "2019-03-01T10:00:00Z",
  updated_at: "2024-05-01T10:00:00Z",
};
