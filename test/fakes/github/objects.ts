import { hashUnit, LABELS, LANGUAGES, NOUNS, PEOPLE, pick, TOPICS } from "./random.ts";

/** GitHub REST objects, shaped like the real ones, derived from a repository's or item's seed and state. */

export type Json = Record<string, unknown>;

/** What identifies the org in URLs and ids; `seed` drives every generated value. */
export interface OrgIdentity {
  login: string;
  id: number;
  apiUrl: string;
  seed: number;
}

export interface Repo {
  id: number;
  index: number;
  name: string;
  createdAt: number;
  pushedAt: number;
  /** Moved by a change of the repository itself (a rename); `pushedAt` until then. */
  updatedAt?: number;
  items?: Item[];
  /** Issues turned off: the repository lists `has_issues: false` and its issues answer 410. */
  issuesOff?: boolean;
  /** GitHub blocked it: it stays listed, and reading it answers `status` with this `block`. */
  blocked?: { status: 451 | 403; block: { reason: string; created_at: string; html_url: string } };
  /** Cached parts of the JSON, dropped on rename. */
  json?: Json;
  short?: Json;
}

/** A pull request or an issue: they share one number sequence per repository, as on GitHub. */
export interface Item {
  number: number;
  isPull: boolean;
  state: "open" | "closed";
  merged: boolean;
  createdAt: number;
  updatedAt: number;
  title?: string;
}

export const WEB = "https://github.com";
export const iso = (ms: number | null) =>
  ms === null ? null : `${new Date(ms).toISOString().slice(0, 19)}Z`;
export const nodeId = (type: string, id: number) =>
  Buffer.from(`0${type.length}:${type}${id}`).toString("base64");

/** A repository as `GET /orgs/{org}/repos` lists it. */
export function repoJson(org: OrgIdentity, repo: Repo, openIssues: number): Json {
  const json: Json = { ...staticRepoJson(org, repo), open_issues_count: openIssues, open_issues: openIssues };
  if (repo.issuesOff) json.has_issues = false;
  if (repo.blocked?.status === 403) json.disabled = true;
  return json;
}

function staticRepoJson(org: OrgIdentity, repo: Repo): Json {
  if (repo.json) return repo.json;
  const u = (k: number) => hashUnit(org.seed, 2, repo.index, k);
  const visibility = visibilityOf(org, repo);
  const url = `${org.apiUrl}/repos/${org.login}/${repo.name}`;
  repo.json = {
    ...shortRepo(org, repo),
    description: u(1) < 0.15 ? null : `The ${repo.name.replace(/-/g, " ")} service`,
    homepage: null,
    created_at: iso(repo.createdAt),
    updated_at: iso(repo.updatedAt ?? repo.pushedAt),
    pushed_at: iso(repo.pushedAt),
    size: Math.floor(u(2) * 50_000),
    stargazers_count: Math.floor(u(3) * 40),
    watchers_count: Math.floor(u(3) * 40),
    language: pick(LANGUAGES, u(4)),
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    forks_count: Math.floor(u(5) * 5),
    archived: u(6) < 0.05,
    disabled: false,
    open_issues_count: 0,
    license:
      u(7) < 0.5
        ? null
        : { key: "mit", name: "MIT License", spdx_id: "MIT", url: null, node_id: "MDc6TGljZW5zZW1pdA==" },
    topics: TOPICS.filter((_, k) => u(10 + k) < 0.2),
    visibility,
    forks: Math.floor(u(5) * 5),
    open_issues: 0,
    watchers: Math.floor(u(3) * 40),
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    ...repoUrls(url),
    git_url: `git://github.com/${org.login}/${repo.name}.git`,
    ssh_url: `git@github.com:${org.login}/${repo.name}.git`,
    clone_url: `${WEB}/${org.login}/${repo.name}.git`,
    svn_url: `${WEB}/${org.login}/${repo.name}`,
    mirror_url: null,
    has_downloads: true,
    has_pages: false,
    has_discussions: false,
    is_template: false,
    allow_forking: true,
    web_commit_signoff_required: false,
  };
  return repo.json;
}

/** A pull request as `GET /repos/{owner}/{repo}/pulls` lists it. */
export function pullJson(org: OrgIdentity, repo: Repo, item: Item): Json {
  const u = (k: number) => hashUnit(org.seed, 3, repo.index, item.number, k);
  const id = 500_000_000_000 + repo.id * 100_000 + item.number;
  const web = `${WEB}/${org.login}/${repo.name}/pull/${item.number}`;
  const api = `${org.apiUrl}/repos/${org.login}/${repo.name}`;
  const author = user(org, u(1));
  const branch = `feature/${pick(NOUNS, u(2))}-${item.number}`;
  const closedAt = item.state === "closed" ? item.updatedAt : null;
  const sha = (k: number) =>
    Math.floor(hashUnit(org.seed, 4, id, k) * 2 ** 52)
      .toString(16)
      .padStart(40, "0");
  return {
    url: `${api}/pulls/${item.number}`,
    id,
    node_id: nodeId("PullRequest", id),
    html_url: web,
    diff_url: `${web}.diff`,
    patch_url: `${web}.patch`,
    issue_url: `${api}/issues/${item.number}`,
    commits_url: `${api}/pulls/${item.number}/commits`,
    review_comments_url: `${api}/pulls/${item.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${item.number}/comments`,
    statuses_url: `${api}/statuses/${sha(2)}`,
    number: item.number,
    state: item.state,
    locked: false,
    title:
      item.title ??
      `${pick(["Add", "Fix", "Refactor", "Update", "Remove"], u(3))} ${pick(NOUNS, u(4))} ${pick(["handling", "tests", "config", "docs", "types"], u(5))}`,
    user: author,
    body: u(6) < 0.3 ? null : "Describe the change.",
    labels: LABELS.filter((_, k) => u(10 + k) < 0.15).map((name, k) => label(name, k)),
    milestone: null,
    active_lock_reason: null,
    created_at: iso(item.createdAt),
    updated_at: iso(item.updatedAt),
    closed_at: iso(closedAt),
    merged_at: iso(item.merged ? closedAt : null),
    merge_commit_sha: sha(1),
    assignee: null,
    assignees: u(7) < 0.5 ? [user(org, u(8))] : [],
    requested_reviewers: u(9) < 0.6 ? [user(org, u(20)), user(org, u(21))] : [],
    requested_teams: [],
    head: {
      label: `${org.login}:${branch}`,
      ref: branch,
      sha: sha(2),
      user: author,
      repo: staticRepoJson(org, repo),
    },
    base: {
      label: `${org.login}:main`,
      ref: "main",
      sha: sha(3),
      user: orgOwner(org),
      repo: staticRepoJson(org, repo),
    },
    _links: {
      self: { href: `${api}/pulls/${item.number}` },
      html: { href: web },
      issue: { href: `${api}/issues/${item.number}` },
      comments: { href: `${api}/issues/${item.number}/comments` },
      review_comments: { href: `${api}/pulls/${item.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${item.number}/commits` },
      statuses: { href: `${api}/statuses/${sha(2)}` },
    },
    author_association: "MEMBER",
    auto_merge: null,
    draft: item.state === "open" && u(22) < 0.1,
  };
}

/** An issue (or a pull request, as GitHub's issues API shows one) as `GET /repos/{owner}/{repo}/issues` lists it. */
export function issueJson(org: OrgIdentity, repo: Repo, item: Item): Json {
  const u = (k: number) => hashUnit(org.seed, 5, repo.index, item.number, k);
  const api = `${org.apiUrl}/repos/${org.login}/${repo.name}`;
  const id = 1_000_000_000 + repo.id * 100_000 + item.number;
  const closedAt = item.state === "closed" ? item.updatedAt : null;
  const json: Json = {
    url: `${api}/issues/${item.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${item.number}/labels{/name}`,
    comments_url: `${api}/issues/${item.number}/comments`,
    events_url: `${api}/issues/${item.number}/events`,
    html_url: `${WEB}/${org.login}/${repo.name}/${item.isPull ? "pull" : "issues"}/${item.number}`,
    id,
    node_id: nodeId("Issue", id),
    number: item.number,
    title:
      item.title ??
      `${pick(["Crash in", "Slow", "Document", "Flaky test in", "Support"], u(1))} ${pick(NOUNS, u(2))}`,
    user: user(org, u(3)),
    labels: LABELS.filter((_, k) => u(10 + k) < 0.2).map((name, k) => label(name, k)),
    state: item.state,
    locked: false,
    assignee: null,
    assignees: u(4) < 0.4 ? [user(org, u(5))] : [],
    milestone: null,
    comments: Math.floor(u(6) * 12),
    created_at: iso(item.createdAt),
    updated_at: iso(item.updatedAt),
    closed_at: iso(closedAt),
    author_association: "MEMBER",
    active_lock_reason: null,
    body: "Steps to reproduce: …",
    state_reason: item.state === "closed" ? "completed" : null,
  };
  if (item.isPull) {
    const web = `${WEB}/${org.login}/${repo.name}/pull/${item.number}`;
    json.draft = false;
    json.pull_request = {
      url: `${api}/pulls/${item.number}`,
      html_url: web,
      diff_url: `${web}.diff`,
      patch_url: `${web}.patch`,
      merged_at: iso(item.merged ? closedAt : null),
    };
  }
  return json;
}

/** A team as `GET /orgs/{org}/teams` lists it; `earlier` teams may be its parent. */
export function teamJson(org: OrgIdentity, i: number, earlier: Json[]): Json {
  const u = (k: number) => hashUnit(org.seed, 6, i, k);
  const name = `${pick(NOUNS, u(1))} ${i}`;
  const slug = name.replace(/\s+/g, "-");
  const id = 7_000 + i;
  const parentIndex = i >= 2 && u(2) < 0.4 ? Math.floor(u(3) * i) : undefined;
  const parent = parentIndex === undefined ? null : { ...(earlier[parentIndex] as Json) };
  if (parent) delete parent.parent;
  return {
    id,
    node_id: nodeId("Team", id),
    url: `${org.apiUrl}/organizations/${org.id}/team/${id}`,
    html_url: `${WEB}/orgs/${org.login}/teams/${slug}`,
    name,
    slug,
    description: u(4) < 0.3 ? null : `Owns the ${pick(NOUNS, u(1))} services`,
    privacy: u(5) < 0.8 ? "closed" : "secret",
    notification_setting: u(6) < 0.9 ? "notifications_enabled" : "notifications_disabled",
    permission: "pull",
    type: "organization",
    members_url: `${org.apiUrl}/organizations/${org.id}/team/${id}/members{/member}`,
    repositories_url: `${org.apiUrl}/organizations/${org.id}/team/${id}/repos`,
    parent,
  };
}

export function visibilityOf(org: OrgIdentity, repo: Repo): string {
  const u = hashUnit(org.seed, 2, repo.index, 30);
  return u < 0.3 ? "public" : u < 0.9 ? "private" : "internal";
}

export function isForkOf(org: OrgIdentity, repo: Repo): boolean {
  return hashUnit(org.seed, 2, repo.index, 31) < 0.05;
}

function shortRepo(org: OrgIdentity, repo: Repo): Json {
  repo.short ??= {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: `${org.login}/${repo.name}`,
    private: visibilityOf(org, repo) !== "public",
    owner: orgOwner(org),
    html_url: `${WEB}/${org.login}/${repo.name}`,
    fork: isForkOf(org, repo),
    url: `${org.apiUrl}/repos/${org.login}/${repo.name}`,
    default_branch: "main",
    visibility: visibilityOf(org, repo),
  };
  return repo.short;
}

export function orgOwner(org: OrgIdentity): Json {
  return {
    login: org.login,
    id: org.id,
    node_id: nodeId("Organization", org.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`,
    ...userUrls(org, org.login),
    html_url: `${WEB}/${org.login}`,
    type: "Organization",
    site_admin: false,
  };
}

export function user(org: OrgIdentity, unit: number): Json {
  const login = pick(PEOPLE, unit);
  const id = 50_000 + PEOPLE.indexOf(login);
  return {
    login,
    id,
    node_id: nodeId("User", id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    ...userUrls(org, login),
    html_url: `${WEB}/${login}`,
    type: "User",
    user_view_type: "public",
    site_admin: false,
  };
}

function label(name: string, k: number): Json {
  const id = 80_000 + LABELS.indexOf(name);
  return {
    id,
    node_id: nodeId("Label", id),
    name,
    url: `https://api.github.com/labels/${encodeURIComponent(name)}`,
    description: `Marks ${name} work`,
    color: ["d73a4a", "a2eeef", "0075ca"][k % 3],
    default: true,
  };
}

/** The URL templates GitHub puts in every user and organization object. */
export function userUrls(org: OrgIdentity, login: string): Json {
  const url = `${org.apiUrl}/users/${login}`;
  return {
    url,
    gravatar_id: "",
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
  };
}

/** The URL templates GitHub puts in every repository object. */
function repoUrls(url: string): Json {
  const templates: Record<string, string> = {
    archive_url: "/{archive_format}{/ref}",
    assignees_url: "/assignees{/user}",
    blobs_url: "/git/blobs{/sha}",
    branches_url: "/branches{/branch}",
    collaborators_url: "/collaborators{/collaborator}",
    comments_url: "/comments{/number}",
    commits_url: "/commits{/sha}",
    compare_url: "/compare/{base}...{head}",
    contents_url: "/contents/{+path}",
    contributors_url: "/contributors",
    deployments_url: "/deployments",
    downloads_url: "/downloads",
    events_url: "/events",
    forks_url: "/forks",
    git_commits_url: "/git/commits{/sha}",
    git_refs_url: "/git/refs{/sha}",
    git_tags_url: "/git/tags{/sha}",
    hooks_url: "/hooks",
    issue_comment_url: "/issues/comments{/number}",
    issue_events_url: "/issues/events{/number}",
    issues_url: "/issues{/number}",
    keys_url: "/keys{/key_id}",
    labels_url: "/labels{/name}",
    languages_url: "/languages",
    merges_url: "/merges",
    milestones_url: "/milestones{/number}",
    notifications_url: "/notifications{?since,all,participating}",
    pulls_url: "/pulls{/number}",
    releases_url: "/releases{/id}",
    stargazers_url: "/stargazers",
    statuses_url: "/statuses/{sha}",
    subscribers_url: "/subscribers",
    subscription_url: "/subscription",
    tags_url: "/tags",
    teams_url: "/teams",
    trees_url: "/git/trees{/sha}",
  };
  return Object.fromEntries(Object.entries(templates).map(([key, rest]) => [key, `${url}${rest}`]));
}
