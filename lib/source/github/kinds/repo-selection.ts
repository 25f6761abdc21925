import { SelectorError, SourceHttpError } from "../../errors.ts";
import type { CallOptions } from "../../types.ts";
import { GitHubHttpError } from "../client.ts";
import { repoPath } from "../file-content.ts";
import { type GitHubKindContext, named, reposPath } from "./shared.ts";

/** One entry of a `files` or `folders` selector: a path glob, in some repositories (default: all). */
export interface PathPattern {
  path: string;
  /** Undefined: every repository of the org, on its default branch. */
  repos: Array<{ name: string; branch: string | undefined }> | undefined;
  /** The file kind's `skipParsing`. */
  skipParsing: boolean;
}

/**
 * Reads Ocean's `files` / `folders` selector: a list of `{ path, repos?: [{ name, branch? }],
 * skipParsing? }`. An entry's `organization`, if given, must be this source's org (one org a
 * source); `validationCheck` (pull-request checks in Ocean) is accepted and has no effect here.
 */
export function readPatterns(
  kind: string,
  selector: Record<string, unknown> | undefined,
  field: "files" | "folders",
  org: string,
  defaultPath?: string,
): PathPattern[] {
  const value = selector?.[field];
  const shape =
    field === "files"
      ? "a list of { path, repos?: [{ name, branch? }], skipParsing? }"
      : "a list of { path, repos: [{ name, branch? }] }";
  const bad = (at: string, v: unknown) => new SelectorError(kind, at, v, [shape]);
  if (!Array.isArray(value) || value.length === 0) throw bad(field, value);
  return value.map((entry, i) => {
    const at = `${field}[${i}]`;
    if (typeof entry !== "object" || entry === null) throw bad(at, entry);
    const e = entry as Record<string, unknown>;
    const path = e.path ?? defaultPath;
    if (typeof path !== "string") throw bad(`${at}.path`, e.path);
    if (e.organization != null && String(e.organization).toLowerCase() !== org.toLowerCase()) {
      throw new SelectorError(kind, `${at}.organization`, e.organization, [org]);
    }
    let repos: PathPattern["repos"];
    if (e.repos != null && !(Array.isArray(e.repos) && e.repos.length === 0)) {
      if (!Array.isArray(e.repos)) throw bad(`${at}.repos`, e.repos);
      repos = e.repos.map((r, j) => {
        const repo = r as { name?: unknown; branch?: unknown } | null;
        if (typeof repo?.name !== "string" || repo.name === "") throw bad(`${at}.repos[${j}]`, r);
        if (repo.branch != null && typeof repo.branch !== "string") throw bad(`${at}.repos[${j}].branch`, r);
        return { name: repo.name, branch: repo.branch ?? undefined };
      });
    }
    return { path, repos, skipParsing: e.skipParsing === true };
  });
}

/**
 * The repositories the patterns name, in order; with every repository of the org (the shared
 * listing) when one pattern names none.
 */
export async function* patternRepos(
  ctx: GitHubKindContext,
  kind: string,
  patterns: PathPattern[],
  options: CallOptions,
): AsyncGenerator<string> {
  const seen = new Set<string>();
  for (const pattern of patterns) {
    for (const repo of pattern.repos ?? []) {
      if (!seen.has(repo.name)) {
        seen.add(repo.name);
        yield repo.name;
      }
    }
  }
  if (patterns.every((p) => p.repos !== undefined)) return;
  const path = reposPath(ctx, kind, options);
  const { signal, waitBudgetMs } = options;
  for await (const repo of named(kind, ctx.listings.repos(path, { signal, waitBudgetMs }))) {
    if (repo.name !== undefined && !seen.has(repo.name)) {
      seen.add(repo.name);
      yield repo.name;
    }
  }
}

/** The patterns that apply to `repo`, each with the branch to read (its own, or the default branch). */
export function patternsFor(
  patterns: PathPattern[],
  repo: string,
  defaultBranch: string,
): Array<PathPattern & { index: number; branch: string }> {
  return patterns.flatMap((pattern, index) => {
    if (pattern.repos === undefined) return [{ ...pattern, index, branch: defaultBranch }];
    return pattern.repos
      .filter((r) => r.name === repo)
      .map((r) => ({ ...pattern, index, branch: r.branch ?? defaultBranch }));
  });
}

/** What {@link readRepository} found: the repository, or why there is none. */
export interface ReadRepository {
  repository?: Record<string, unknown>;
  /** Set when GitHub blocked the repository: its contents are unknown, not gone (a `Page.unreadable`). */
  unreadable?: string;
}

/**
 * `GET /repos/{org}/{repo}`: the repository object items carry; none (with a warning) if
 * it is gone (404) or GitHub blocked it (451, or 403 with a `block`), as the other per-repository
 * kinds skip it.
 */
export async function readRepository(
  ctx: GitHubKindContext,
  kind: string,
  repo: string,
  options: CallOptions,
): Promise<ReadRepository> {
  try {
    const { body } = await ctx.client.get(repoPath(ctx.org, repo), {
      signal: options.signal,
      waitBudgetMs: options.waitBudgetMs,
    });
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new TypeError(`kind ${kind}: GET ${repoPath(ctx.org, repo)} did not return a repository`);
    }
    return { repository: body as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof SourceHttpError)) throw error;
    const blocked = error.status === 451 || (error instanceof GitHubHttpError && error.block !== undefined);
    if (error.status !== 404 && !blocked) throw error;
    const why = blocked ? "blocked by GitHub" : "not found";
    ctx.warn(`github: kind ${kind}: repository ${ctx.org}/${repo} ${why}: skipped`, {
      repository: repo,
      kind,
      status: error.status,
    });
    return blocked ? { unreadable: `repository blocked by GitHub (HTTP ${error.status})` } : {};
  }
}
