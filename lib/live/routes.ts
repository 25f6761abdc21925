import { decodedContent } from "../source/github/file-content.ts";
import { fileMismatch, shapeFileItem } from "../source/github/kinds/file.ts";
import type { GitHubObjects } from "./github-api.ts";

type Item = Record<string, unknown>;
type Selector = Record<string, unknown>;

/** One object an event is about, seen as one kind. */
export interface Subject {
  /** The object's stable key (kind and GitHub id): events about one key never apply backwards. */
  key: string;
  /** The object's `updated_at` (ms since the epoch), when the payload has one. */
  version?: number;
  /** The object is gone (deleted, transferred out of the org): delete its entity. */
  gone: boolean;
  /** The object shaped as the kind lists it, from the payload: what a deletion maps to find its identifier. */
  item: Item;
  /** Fetches the object as GitHub has it now (payloads can be partial); undefined when GitHub no longer has it. */
  fetch?: (github: GitHubObjects) => Promise<Item | undefined>;
  /** The object before a rename or transfer: its entity is deleted when the identifier changed. */
  previous?: Item;
}

/** How one webhook event updates one kind. */
export interface EventRoute {
  /** The port-app-config `kind` this event updates (`pull-request`, `workflow-run`, …). */
  kind: string;
  /** The objects of a payload, for this kind (none: nothing to do). */
  subjects(payload: Item, org: string): Subject[];
  /**
   * Why an item no longer matches the resource's source options (`state`, `repositoryType`,
   * `states`), or undefined when it does. A mismatch deletes the entity, as the jq query's does.
   */
  mismatch?(item: Item, selector: Selector): string | undefined;
}

/**
 * Which kinds each GitHub webhook event updates, with Ocean's GitHub integration's rules: the
 * object is fetched again (payloads can be partial), `deleted` deletes, `renamed`/`transferred`
 * delete the old identifier and write the new one, and an item that no longer matches the
 * selector is deleted. A kind added to the GitHub source plugs in with one entry here; entries
 * for kinds the source does not have yet apply as soon as a config maps them.
 */
export const EVENT_ROUTES: Readonly<Record<string, readonly EventRoute[]>> = {
  repository: [{ kind: "repository", subjects: repositorySubjects, mismatch: repositoryTypeMismatch }],
  // A collaborator added or removed: the repository is written again (Ocean does the same).
  member: [
    {
      kind: "repository",
      subjects: (p, org) => repositorySubjects({ ...p, action: "edited" }, org),
      mismatch: repositoryTypeMismatch,
    },
  ],
  pull_request: [
    {
      kind: "pull-request",
      subjects: (p, org) => {
        const pr = objectOf(p, "pull_request");
        const repo = repoNameOf(p);
        return [
          {
            key: `pull-request:${pr.id}`,
            version: timeOf(pr.updated_at),
            gone: false,
            item: shapePull(pr, repo),
            fetch: async (gh) =>
              mapped(await gh.get(`${repoPath(org, repo)}/pulls/${pr.number}`), (x) => shapePull(x, repo)),
          },
        ];
      },
      mismatch: stateMismatch("pull request", "open"),
    },
  ],
  issues: [
    {
      kind: "issue",
      subjects: (p, org) => {
        const issue = objectOf(p, "issue");
        // The issues API lists pull requests too; they are the pull-request kind.
        if (issue.pull_request) return [];
        const repo = repoNameOf(p);
        const subjects: Subject[] = [
          {
            key: `issue:${issue.id}`,
            version: timeOf(issue.updated_at),
            gone: p.action === "deleted" || p.action === "transferred",
            item: shapeIssue(issue, repo),
            fetch: async (gh) =>
              mapped(await gh.get(`${repoPath(org, repo)}/issues/${issue.number}`), (x) =>
                shapeIssue(x, repo),
              ),
          },
        ];
        const changes = (p.changes ?? {}) as { new_issue?: Item; new_repository?: Item };
        const { new_issue: moved, new_repository: to } = changes;
        if (p.action === "transferred" && moved && to && ownedBy(to, org)) {
          const toName = String(to.name);
          subjects.push({
            key: `issue:${moved.id}`,
            version: timeOf(moved.updated_at),
            gone: false,
            item: shapeIssue(moved, toName),
            fetch: async (gh) =>
              mapped(await gh.get(`${repoPath(org, toName)}/issues/${moved.number}`), (x) =>
                shapeIssue(x, toName),
              ),
          });
        }
        return subjects;
      },
      mismatch: stateMismatch("issue", "open"),
    },
  ],
  team: [{ kind: "team", subjects: teamSubjects }],
  // Someone joined or left a team: the team is written again.
  membership: [{ kind: "team", subjects: (p, org) => teamSubjects({ ...p, action: "edited" }, org) }],

  // Kinds the GitHub source adds later (Ocean's kind names): they apply once a config maps them.
  workflow_run: [
    repoObjectRoute(
      "workflow-run",
      "workflow_run",
      (org, repo, run) => `${repoPath(org, repo)}/actions/runs/${run.id}`,
    ),
  ],
  deployment: [
    repoObjectRoute(
      "deployment",
      "deployment",
      (org, repo, d) => `${repoPath(org, repo)}/deployments/${d.id}`,
    ),
  ],
  deployment_status: [
    repoObjectRoute(
      "deployment",
      "deployment",
      (org, repo, d) => `${repoPath(org, repo)}/deployments/${d.id}`,
    ),
    repoObjectRoute("deployment-status", "deployment_status"),
  ],
  release: [
    repoObjectRoute("release", "release", (org, repo, r) => `${repoPath(org, repo)}/releases/${r.id}`, [
      "deleted",
    ]),
  ],
  create: [refRoute("branch", "branch", false), refRoute("tag", "tag", false)],
  delete: [refRoute("branch", "branch", true), refRoute("tag", "tag", true)],
  push: [{ kind: "file", subjects: fileSubjects, mismatch: fileMismatch }],
  dependabot_alert: [alertRoute("dependabot-alert", "dependabot/alerts", statesMismatch)],
  code_scanning_alert: [alertRoute("code-scanning-alerts", "code-scanning/alerts", codeStateMismatch)],
};

/** The routes of an event, or none. */
export function routesOf(event: string): readonly EventRoute[] {
  return Object.hasOwn(EVENT_ROUTES, event) ? (EVENT_ROUTES[event] ?? []) : [];
}

/** The webhook events a config needs: those whose routes update a kind the config maps. */
export function eventsForKinds(kinds: Iterable<string>): string[] {
  const wanted = new Set(kinds);
  return Object.entries(EVENT_ROUTES)
    .filter(([, routes]) => routes.some((r) => wanted.has(r.kind)))
    .map(([event]) => event)
    .sort();
}

function repositorySubjects(p: Item, org: string): Subject[] {
  const repo = objectOf(p, "repository");
  const gone = p.action === "deleted" || (p.action === "transferred" && !ownedBy(repo, org));
  const from = (p.changes as { repository?: { name?: { from?: unknown } } } | undefined)?.repository?.name
    ?.from;
  return [
    {
      key: `repository:${repo.id}`,
      version: timeOf(repo.updated_at),
      gone,
      item: repo,
      fetch: (gh) => gh.get(repoPath(org, String(repo.name))),
      previous: p.action === "renamed" && typeof from === "string" ? { ...repo, name: from } : undefined,
    },
  ];
}

function teamSubjects(p: Item, org: string): Subject[] {
  const team = objectOf(p, "team");
  return [
    {
      key: `team:${team.id}`,
      version: timeOf(team.updated_at),
      gone: p.action === "deleted",
      item: team,
      fetch: (gh) =>
        gh.get(`/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(String(team.slug))}`),
    },
  ];
}

/** An object of a repository (`payload[field]`), with `__repository` as the source's partitioned kinds carry it. */
function repoObjectRoute(
  kind: string,
  field: string,
  path?: (org: string, repo: string, object: Item) => string,
  deleteActions: readonly string[] = [],
): EventRoute {
  return {
    kind,
    subjects: (p, org) => {
      const object = objectOf(p, field);
      const repo = repoNameOf(p);
      return [
        {
          key: `${kind}:${object.id}`,
          version: timeOf(object.updated_at),
          gone: deleteActions.includes(String(p.action)),
          item: withRepository(object, repo),
          fetch: path
            ? async (gh) => mapped(await gh.get(path(org, repo, object)), (x) => withRepository(x, repo))
            : undefined,
        },
      ];
    },
  };
}

/** `create`/`delete` of a branch or a tag (`ref_type`). */
function refRoute(kind: string, refType: string, gone: boolean): EventRoute {
  return {
    kind,
    subjects: (p, org) => {
      if (p.ref_type !== refType || typeof p.ref !== "string") return [];
      const repo = repoNameOf(p);
      const ref = p.ref;
      const repoId = objectOf(p, "repository").id;
      const fetch =
        kind === "branch" && !gone
          ? async (gh: GitHubObjects) =>
              mapped(await gh.get(`${repoPath(org, repo)}/branches/${encodeURIComponent(ref)}`), (x) =>
                withRepository(x, repo),
              )
          : undefined;
      return [{ key: `${kind}:${repoId}:${ref}`, gone, item: { name: ref, __repository: repo }, fetch }];
    },
  };
}

/**
 * Files a push added, changed or removed on a branch, shaped as the `file` kind lists them (the
 * same item a resync gives: content parsed, `file://` values read, the repository object);
 * the selector's `files` patterns decide which of them are the kind's.
 */
function fileSubjects(p: Item, org: string): Subject[] {
  const ref = typeof p.ref === "string" ? p.ref : "";
  if (!ref.startsWith("refs/heads/") || p.deleted === true) return [];
  const branch = ref.slice("refs/heads/".length);
  const repo = repoNameOf(p);
  const repository = objectOf(p, "repository");
  const repoId = repository.id;
  // The last commit that touched a path decides whether it is there.
  const state = new Map<string, boolean>();
  for (const commit of (p.commits ?? []) as Array<Record<string, unknown>>) {
    for (const path of (commit.added ?? []) as string[]) state.set(path, true);
    for (const path of (commit.modified ?? []) as string[]) state.set(path, true);
    for (const path of (commit.removed ?? []) as string[]) state.set(path, false);
  }
  const contentsOf = (path: string) =>
    `${repoPath(org, repo)}/contents/${path.split("/").map(encodeURIComponent).join("/")}?ref=${encodeURIComponent(branch)}`;
  return [...state].map(([path, present]) => {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const item = { organization: org, repository: { ...repository, name: repo }, branch, path, name };
    return {
      key: `file:${repoId}:${branch}:${path}`,
      gone: !present,
      item,
      fetch: async (gh: GitHubObjects) => {
        const [file, current] = await Promise.all([gh.get(contentsOf(path)), gh.get(repoPath(org, repo))]);
        const text = file && decodedContent(file);
        // Gone, or over 1 MB (GitHub leaves the content out): the resync does not list it either.
        if (!file || !current || text === undefined) return undefined;
        const read = async (other: string) => {
          const found = await gh.get(contentsOf(other));
          return (found && decodedContent(found)) ?? null;
        };
        return shapeFileItem({
          organization: org,
          repository: current,
          branch,
          path,
          text,
          metadata: { url: String(file.url), path, size: Number(file.size), sha: String(file.sha) },
          parse: true,
          read,
          warn: (message, at = path) =>
            console.warn(`github: live file ${org}/${repo}:${at}@${branch}: ${message}`),
        });
      },
    };
  });
}

/** Dependabot and code scanning alerts: numbered per repository, with `__repository` and `__organization`. */
function alertRoute(kind: string, resource: string, mismatch: EventRoute["mismatch"]): EventRoute {
  return {
    kind,
    subjects: (p, org) => {
      const alert = objectOf(p, "alert");
      const repo = repoNameOf(p);
      const repoId = objectOf(p, "repository").id;
      const shape = (x: Item) => ({ ...withRepository(x, repo), __organization: org });
      return [
        {
          key: `${kind}:${repoId}:${alert.number}`,
          version: timeOf(alert.updated_at),
          gone: false,
          item: shape(alert),
          fetch: async (gh) =>
            mapped(await gh.get(`${repoPath(org, repo)}/${resource}/${alert.number}`), shape),
        },
      ];
    },
    mismatch,
  };
}

/** Dependabot: Ocean's `states` (default `[open]`). */
function statesMismatch(item: Item, selector: Selector): string | undefined {
  const states = Array.isArray(selector.states) ? selector.states : ["open"];
  if (states.includes(item.state)) return undefined;
  return `the alert is ${String(item.state)}; the selector keeps states ${states.join(", ")}`;
}

/** Code scanning: Ocean's `state` (default open; `closed` keeps every alert that is not open). */
function codeStateMismatch(item: Item, selector: Selector): string | undefined {
  const want = String(selector.state ?? "open");
  if (item.state === want || (want === "closed" && item.state !== "open")) return undefined;
  return `the alert is ${String(item.state)}; the selector keeps state=${want}`;
}

function stateMismatch(noun: string, fallback: string) {
  return (item: Item, selector: Selector): string | undefined => {
    // Ocean's `states` list (pull requests): one state, or both (all).
    const states = Array.isArray(selector.states) && selector.states.length > 0 ? selector.states : undefined;
    if (states) {
      if (states.includes(item.state)) return undefined;
      return `the ${noun} is ${String(item.state)}; the selector keeps states ${states.join(", ")}`;
    }
    const want = selector.state ?? fallback;
    if (want === "all" || item.state === want) return undefined;
    return `the ${noun} is ${String(item.state)}; the selector keeps state=${String(want)}`;
  };
}

/** The selector's `repositoryType`, as `GET /orgs/{org}/repos?type=` filters. */
function repositoryTypeMismatch(item: Item, selector: Selector): string | undefined {
  const type = String(selector.repositoryType ?? "all");
  const visibility = String(item.visibility ?? (item.private ? "private" : "public"));
  const fork = item.fork === true;
  const keep =
    type === "public"
      ? visibility === "public"
      : type === "private"
        ? visibility !== "public"
        : type === "forks"
          ? fork
          : type === "sources"
            ? !fork
            : true;
  return keep
    ? undefined
    : `the repository (${visibility}${fork ? ", fork" : ""}) is not repositoryType=${type}`;
}

/** As the GitHub source shapes a pull request: `__repository` is its base repository's name. */
function shapePull(pr: Item, repo: string): Item {
  const base = (pr.base as { repo?: { name?: unknown } } | undefined)?.repo?.name;
  return { ...pr, __repository: typeof base === "string" ? base : repo };
}

/** As the GitHub source shapes an issue: `__repository` from its `repository_url`. */
function shapeIssue(issue: Item, repo: string): Item {
  const url = issue.repository_url;
  const fromUrl = typeof url === "string" ? url.slice(url.lastIndexOf("/") + 1) : "";
  return { ...issue, __repository: fromUrl || repo };
}

function withRepository(object: Item, repo: string): Item {
  return { ...object, __repository: repo };
}

function mapped(item: Item | undefined, shape: (item: Item) => Item): Item | undefined {
  return item === undefined ? undefined : shape(item);
}

function objectOf(payload: Item, field: string): Item {
  const value = payload[field];
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new TypeError(`the payload has no ${field} object`);
  return value as Item;
}

function repoNameOf(payload: Item): string {
  const name = objectOf(payload, "repository").name;
  if (typeof name !== "string" || name === "") throw new TypeError("the payload's repository has no name");
  return name;
}

function ownedBy(repo: Item, org: string): boolean {
  const login = (repo.owner as { login?: unknown } | undefined)?.login;
  return typeof login === "string" && login.toLowerCase() === org.toLowerCase();
}

function repoPath(org: string, repo: string): string {
  return `/repos/${encodeURIComponent(org)}/${encodeURIComponent(repo)}`;
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
