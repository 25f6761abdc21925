import {
  type Item,
  isForkOf,
  issueJson,
  type Json,
  type OrgIdentity,
  pullJson,
  type Repo,
  repoJson,
  teamJson,
  visibilityOf,
} from "./objects.ts";
import { ADJECTIVES, hashUnit, NOUNS, pick } from "./random.ts";

/** What the fake's org starts with. Counts may be functions of the repository's index. */
export interface OrgOptions {
  org?: string;
  repos?: number;
  pullsPerRepo?: number | ((repoIndex: number) => number);
  /** Issues that are not pull requests, per repository. */
  issuesPerRepo?: number | ((repoIndex: number) => number);
  teams?: number;
  seed?: number;
  /** A pull request's state; default: ~60% open, ~25% merged, ~15% closed, by seed. */
  pullState?: (repoIndex: number, number: number) => "open" | "closed" | "merged";
  now?: () => number;
}

export type ItemState = "open" | "closed" | "all";

const BASE_TIME = Date.UTC(2021, 0, 1);
const HOUR = 3_600_000;

/**
 * A deterministic GitHub organization: repositories with pull requests, issues and teams,
 * generated lazily from a seed, shaped like GitHub's REST objects. It also serves as the
 * ground truth tests compare a source's output with, and it can change between runs.
 */
export class FakeOrg implements OrgIdentity {
  readonly login: string;
  readonly id: number;
  apiUrl = "https://api.github.com";
  /** Goes up with every change, so that cached answers can tell they are stale. */
  version = 0;
  readonly #options: OrgOptions;
  readonly seed: number;
  readonly #now: () => number;
  #repos: Repo[] = [];
  readonly #byName = new Map<string, Repo>();
  readonly #byId = new Map<number, Repo>();
  /** Old name → repository id, as GitHub redirects a renamed repository. */
  readonly #renamed = new Map<string, number>();
  #nextRepo = 0;
  #teams: Json[] | undefined;

  constructor(options: OrgOptions = {}) {
    this.#options = options;
    this.seed = options.seed ?? 1;
    this.#now = options.now ?? Date.now;
    this.login = options.org ?? "acme";
    this.id = 9_000 + Math.floor(hashUnit(this.seed, 0) * 1000);
    this.addRepos(options.repos ?? 10);
  }

  // ─── changes between runs ───

  /** Creates `count` repositories (newest first in the default listing); returns their names. */
  addRepos(count: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.#nextRepo++;
      const u = (k: number) => hashUnit(this.seed, 1, index, k);
      let name = `${pick(ADJECTIVES, u(1))}-${pick(NOUNS, u(2))}`;
      if (this.#byName.has(name) || this.#renamed.has(name)) name = `${name}-${index}`;
      const createdAt = BASE_TIME + index * HOUR;
      const repo: Repo = {
        id: 100_000 + index,
        index,
        name,
        createdAt,
        pushedAt: createdAt + u(3) * 400 * HOUR,
      };
      this.#repos.push(repo);
      this.#byName.set(name, repo);
      this.#byId.set(repo.id, repo);
      names.push(name);
      this.version += 1;
    }
    return names;
  }

  /** Deletes `count` repositories spread over the listing; returns their names. */
  removeRepos(count: number): string[] {
    const victims = new Set<Repo>();
    const step = this.#repos.length / Math.max(1, count);
    for (let i = 0; i < count && i < this.#repos.length; i++) {
      victims.add(this.#repos[Math.floor(i * step)] as Repo);
    }
    for (const repo of victims) this.removeRepo(repo.name);
    return [...victims].map((r) => r.name);
  }

  removeRepo(name: string): void {
    const repo = this.#repo(name);
    this.#repos = this.#repos.filter((r) => r !== repo);
    this.#byName.delete(repo.name);
    this.#byId.delete(repo.id);
    this.version += 1;
  }

  /** Renames a repository; its old name then answers 301 to `/repositories/{id}/…`, as on GitHub. */
  renameRepo(from: string, to: string): void {
    const repo = this.#repo(from);
    if (this.#byName.has(to)) throw new Error(`fake GitHub: repository ${to} exists`);
    this.#byName.delete(from);
    this.#byName.set(to, repo);
    this.#renamed.set(from, repo.id);
    repo.name = to;
    repo.updatedAt = this.#now();
    repo.json = undefined;
    repo.short = undefined;
    this.version += 1;
  }

  /** A push to the default branch (a README edited): moves `pushed_at`, not `updated_at`, as on GitHub. */
  pushToRepo(name: string): void {
    const repo = this.#repo(name);
    repo.updatedAt ??= repo.pushedAt;
    repo.pushedAt = this.#now();
    repo.json = undefined;
    this.version += 1;
  }

  /** Turns a repository's issues off: `has_issues: false`, and its issue listing answers 410. */
  disableIssues(name: string): void {
    this.#repo(name).issuesOff = true;
    this.version += 1;
  }

  /**
   * GitHub blocks a repository: 451 for a legal takedown (DMCA), 403 for one GitHub disabled.
   * It stays in the org's listing; reading it or its pull requests and issues answers the status.
   */
  blockRepo(name: string, status: 451 | 403 = 451): void {
    const reason = status === 451 ? "dmca" : "tos";
    const created_at = new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const html_url = `https://github.com/github/dmca/blob/master/${name}.md`;
    this.#repo(name).blocked = { status, block: { reason, created_at, html_url } };
    this.version += 1;
  }

  /** Opens `count` new pull requests in a repository; returns their numbers. */
  addPulls(repoName: string, count: number): number[] {
    return this.#add(repoName, count, true);
  }

  /** Opens `count` new issues (not pull requests) in a repository; returns their numbers. */
  addIssues(repoName: string, count: number): number[] {
    return this.#add(repoName, count, false);
  }

  #add(repoName: string, count: number, isPull: boolean): number[] {
    const repo = this.#repo(repoName);
    const items = this.#items(repo);
    const now = this.#now();
    const added: number[] = [];
    for (let i = 0; i < count; i++) {
      const number = items.length + 1;
      items.push({
        number,
        isPull,
        state: "open",
        merged: false,
        createdAt: now + i,
        updatedAt: now + i,
      });
      added.push(number);
      this.version += 1;
    }
    return added;
  }

  /** Changes a pull request: close it, merge it, reopen it, retitle it. */
  updatePull(
    repoName: string,
    number: number,
    change: { state?: "open" | "closed"; merged?: boolean; title?: string },
  ) {
    const item = this.#items(this.#repo(repoName)).find((i) => i.number === number && i.isPull);
    if (!item) throw new Error(`fake GitHub: no pull request #${number} in ${repoName}`);
    if (change.merged) item.state = "closed";
    if (change.state) item.state = change.state;
    item.merged = change.merged ?? (item.state === "open" ? false : item.merged);
    if (change.title !== undefined) item.title = change.title;
    item.updatedAt = this.#now();
    this.version += 1;
  }

  // ─── the truth, as GitHub's API would show it ───

  /** Repository names in the default listing order (newest first). */
  repoNames(): string[] {
    return this.listRepos().map((r) => r.name);
  }

  /** `sort` is GitHub's: created, updated, pushed or full_name. */
  listRepos(type = "all", sort = "created", direction?: string): Repo[] {
    let repos = this.#repos.filter((r) => matchesType(visibilityOf(this, r), isForkOf(this, r), type));
    const desc = (direction ?? (sort === "full_name" ? "asc" : "desc")) === "desc";
    const time = (r: Repo) =>
      sort === "updated" ? (r.updatedAt ?? r.pushedAt) : sort === "pushed" ? r.pushedAt : r.createdAt;
    if (sort === "full_name") repos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    else repos = repos.slice().sort((a, b) => time(a) - time(b) || a.index - b.index);
    return desc ? repos.reverse() : repos;
  }

  repos(): Json[] {
    return this.listRepos().map((r) => this.repoJson(r));
  }

  /** A repository by its current name, its old name (with `redirect`) or its id. */
  findRepo(nameOrId: string | number): { repo?: Repo; redirectTo?: number } {
    if (typeof nameOrId === "number") return { repo: this.#byId.get(nameOrId) };
    const repo = this.#byName.get(nameOrId) ?? this.#byName.get(this.#caseless(nameOrId));
    if (repo) return { repo };
    const moved = this.#renamed.get(nameOrId);
    return moved !== undefined && this.#byId.has(moved) ? { redirectTo: moved } : {};
  }

  /** Pull requests as `GET /repos/{org}/{repo}/pulls?state=` lists them (newest first). */
  pulls(repoName: string, state: ItemState = "open"): Json[] {
    const repo = this.#repo(repoName);
    return this.pullItems(repo, state).map((i) => pullJson(this, repo, i));
  }

  /** Issues as `GET /repos/{org}/{repo}/issues?state=` lists them: pull requests included, as on GitHub. */
  issues(repoName: string, state: ItemState = "open"): Json[] {
    const repo = this.#repo(repoName);
    return this.issueItems(repo, state).map((i) => issueJson(this, repo, i));
  }

  teams(): Json[] {
    if (!this.#teams) {
      const teams: Json[] = [];
      for (let i = 0; i < (this.#options.teams ?? 3); i++) teams.push(teamJson(this, i, teams));
      this.#teams = teams;
    }
    return this.#teams;
  }

  pullItems(repo: Repo, state: ItemState): Item[] {
    return this.#items(repo)
      .filter((i) => i.isPull && (state === "all" || i.state === state))
      .reverse();
  }

  issueItems(repo: Repo, state: ItemState): Item[] {
    return this.#items(repo)
      .filter((i) => state === "all" || i.state === state)
      .reverse();
  }

  /** A repository as listed, its open issues and pull requests counted. */
  repoJson(repo: Repo): Json {
    return repoJson(this, repo, this.#items(repo).filter((i) => i.state === "open").length);
  }

  // ─── internals ───

  #repo(name: string): Repo {
    const repo = this.#byName.get(name);
    if (!repo) throw new Error(`fake GitHub: no repository ${name} in ${this.login}`);
    return repo;
  }

  #caseless(name: string): string {
    const lower = name.toLowerCase();
    for (const key of this.#byName.keys()) if (key.toLowerCase() === lower) return key;
    return name;
  }

  /** A repository's pull requests and issues share one number sequence, as on GitHub. */
  #items(repo: Repo): Item[] {
    if (repo.items) return repo.items;
    const count = (value: OrgOptions["pullsPerRepo"], fallback: number) =>
      typeof value === "function" ? value(repo.index) : (value ?? fallback);
    const pulls = count(this.#options.pullsPerRepo, 3);
    const total = pulls + count(this.#options.issuesPerRepo, 2);
    // Spread the pull requests evenly among the issues.
    const items: Item[] = [];
    let placed = 0;
    for (let n = 1; n <= total; n++) {
      const isPull = Math.floor((n * pulls) / total) > placed;
      if (isPull) placed += 1;
      const u = (k: number) => hashUnit(this.seed, 7, repo.index, n, k);
      const createdAt = repo.createdAt + n * HOUR;
      const verdict = isPull ? this.#pullVerdict(repo.index, n, u(1)) : u(1) < 0.7 ? "open" : "closed";
      const state = verdict === "open" ? "open" : "closed";
      const updatedAt = createdAt + Math.floor(u(2) * 48) * HOUR;
      items.push({ number: n, isPull, state, merged: verdict === "merged", createdAt, updatedAt });
    }
    repo.items = items;
    return items;
  }

  #pullVerdict(index: number, n: number, unit: number): "open" | "closed" | "merged" {
    if (this.#options.pullState) return this.#options.pullState(index, n);
    return unit < 0.6 ? "open" : unit < 0.85 ? "merged" : "closed";
  }
}

function matchesType(visibility: string, fork: boolean, type: string): boolean {
  switch (type) {
    case "public":
      return visibility === "public";
    case "private":
      return visibility !== "public";
    case "forks":
      return fork;
    case "sources":
      return !fork;
    default:
      return true;
  }
}
