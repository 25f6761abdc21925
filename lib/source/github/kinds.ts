import type { components } from "@octokit/openapi-types";
import { header } from "../../http/index.ts";
import { PartitionRequiredError, SelectorError, SourceHttpError } from "../errors.ts";
import { paginateLink } from "../paginate/link.ts";
import type { CallOptions, Kind, Page, PageOptions } from "../types.ts";
import { type GitHubClient, GitHubHttpError } from "./client.ts";
import { type ListedRepo, NotAListError, type RepositoryListings } from "./repo-listing.ts";

type Schemas = components["schemas"];
/**
 * As GitHub documents them, but read defensively: an item is whatever GitHub answered, so a
 * field may be missing or of another type; `__repository` is what the source adds.
 */
type Listed<T> = Partial<T> & { __repository?: string };
type PullRequest = Listed<Schemas["pull-request-simple"]>;
type Issue = Listed<Schemas["issue"]>;

export interface GitHubKindContext {
  client: GitHubClient;
  org: string;
  /** The org's repository listing, read once and shared by the kinds that need it. */
  listings: RepositoryListings;
  /** A repository whose listing is skipped (blocked by GitHub), named in the message. */
  warn(message: string, detail: Record<string, unknown>): void;
}

export const PER_PAGE = 100;
const STATES = ["open", "closed", "all"] as const;
const REPOSITORY_TYPES = ["all", "public", "private", "forks", "sources", "member"] as const;

/** `/orgs/{org}/repos`. Selector: `repositoryType` (all, public, private, forks, sources, member). */
export function repositoryKind(ctx: GitHubKindContext): Kind {
  return {
    name: "repository",
    async *pages(options = {}) {
      const { cursor, signal, waitBudgetMs } = options;
      if (cursor !== undefined && typeof cursor !== "string") throw badCursor("repository", cursor);
      const first = reposPath(ctx, "repository", options);
      yield* named("repository", ctx.listings.pages(first, { cursor, signal, waitBudgetMs }));
    },
  };
}

/** `/repos/{org}/{repo}/pulls`, one partition per repository. Selector: `state` (default open), `repositoryType`. */
export function pullRequestKind(ctx: GitHubKindContext): Kind {
  return perRepository<PullRequest>(ctx, "pull-request", "pulls", (pr, repo) => {
    const name = pr.base?.repo?.name;
    pr.__repository = typeof name === "string" ? name : repo;
    return pr;
  });
}

/**
 * `/repos/{org}/{repo}/issues`, one partition per repository that has issues turned on
 * (`has_issues`). GitHub lists pull requests among issues; they are left out here (they are
 * the `pull-request` kind).
 */
export function issueKind(ctx: GitHubKindContext): Kind {
  return perRepository<Issue>(
    ctx,
    "issue",
    "issues",
    (issue, repo) => {
      if (issue.pull_request) return undefined;
      issue.__repository = repoNameOf(issue.repository_url) ?? repo;
      return issue;
    },
    (repo) => repo.hasIssues,
  );
}

/** `/orgs/{org}/teams`. */
export function teamKind(ctx: GitHubKindContext): Kind {
  return {
    name: "team",
    async *pages(options = {}) {
      yield* listPages(
        ctx,
        "team",
        `/orgs/${encodeURIComponent(ctx.org)}/teams?per_page=${PER_PAGE}`,
        options,
      );
    },
  };
}

/** How a per-repository kind asks, and which refusals mean "nothing here" (a feature turned off). */
export interface PerRepositoryOptions {
  /** The query string after `?`, from the selector. Default: `state` (open, closed, all; default open). */
  query?(selector: Record<string, unknown> | undefined): string;
  /**
   * Why a refusal of one repository is to be skipped with a warning (e.g. "Dependabot alerts
   * are disabled"), or undefined to fail the kind as any other error does.
   */
  skip?(error: SourceHttpError): string | undefined;
}

/** `shape` may change the item in place: it was just parsed and belongs to no one else. */
export function perRepository<T extends object>(
  ctx: GitHubKindContext,
  name: string,
  resource: string,
  shape: (item: T, repo: string) => T | undefined,
  wanted: (repo: ListedRepo) => boolean = () => true,
  how: PerRepositoryOptions = {},
): Kind {
  return {
    name,
    async *partitions(options: CallOptions = {}) {
      const path = reposPath(ctx, name, options);
      const { signal, waitBudgetMs } = options;
      let i = 0;
      for await (const repo of named(name, ctx.listings.repos(path, { signal, waitBudgetMs }))) {
        if (repo.name === undefined) {
          throw new TypeError(
            `kind ${name}: GET ${path.split("?")[0]} listed a repository without a name (#${i}: ${repo.shown})`,
          );
        }
        i += 1;
        if (wanted(repo)) yield repo.name;
      }
    },
    async *pages(options: PageOptions = {}) {
      const repo = options.partition;
      if (repo === undefined) throw new PartitionRequiredError(name);
      const query = how.query
        ? how.query(options.selector)
        : `state=${choice(name, options.selector, "state", STATES, "open")}`;
      const path = `/repos/${encodeURIComponent(ctx.org)}/${encodeURIComponent(repo)}/${resource}`;
      try {
        for await (const page of listPages(ctx, name, `${path}?${query}&per_page=${PER_PAGE}`, options)) {
          const items = page.items.flatMap((item) => shape(item as T, repo) ?? []);
          yield { items, cursor: page.cursor };
        }
      } catch (error) {
        if (!(error instanceof SourceHttpError)) throw error;
        const block = error instanceof GitHubHttpError ? error.block : undefined;
        const off = how.skip?.(error);
        if (off !== undefined) {
          ctx.warn(`github: skipped repository ${ctx.org}/${repo} for kind ${name}: ${off}`, {
            repository: repo,
            kind: name,
            status: error.status,
          });
        } else if (error.status === 451 || (error.status === 403 && block)) {
          // GitHub blocked the repository (a DMCA takedown, a disabled repository): it stays in
          // the org's listing, but nothing in it can be read. Skip it rather than fail every run.
          ctx.warn(`github: skipped repository ${ctx.org}/${repo}: ${resource} blocked by GitHub`, {
            repository: repo,
            kind: name,
            status: error.status,
            reason: block?.reason,
          });
        } else if (error.status !== 404 && error.status !== 410) {
          throw error;
        }
        // Deleted (404) or issues turned off (410) since it was listed: nothing to list.
        yield { items: [], cursor: null };
      }
    },
  };
}

export function listPages(
  ctx: GitHubKindContext,
  kind: string,
  first: string,
  options: PageOptions,
): AsyncGenerator<Page> {
  const { cursor, signal, waitBudgetMs } = options;
  if (cursor !== undefined && typeof cursor !== "string") throw badCursor(kind, cursor);
  return paginateLink<unknown>({
    first,
    cursor,
    signal,
    toCursor: ctx.client.toCursor,
    fetchPage: async (url) => {
      const { body, headers } = await ctx.client.get(url, { signal, waitBudgetMs });
      if (!Array.isArray(body))
        throw new TypeError(`kind ${kind}: GET ${url.split("?")[0]} did not return a list`);
      return { items: body, link: header(headers, "link") };
    },
  });
}

export function badCursor(kind: string, cursor: unknown): TypeError {
  return new TypeError(`kind ${kind}: a cursor is a next-page URL string, not ${JSON.stringify(cursor)}`);
}

/** A shared listing's shape error, told as this kind's. */
export async function* named<T>(kind: string, source: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    if (error instanceof NotAListError) throw new TypeError(`kind ${kind}: ${error.message}`);
    throw error;
  }
}

export function reposPath(ctx: GitHubKindContext, kind: string, options: CallOptions): string {
  const type = choice(kind, options.selector, "repositoryType", REPOSITORY_TYPES, "all");
  return `/orgs/${encodeURIComponent(ctx.org)}/repos?type=${type}&per_page=${PER_PAGE}`;
}

export function choice<T extends string>(
  kind: string,
  selector: Record<string, unknown> | undefined,
  field: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = selector?.[field] ?? fallback;
  if (!allowed.includes(value as T)) throw new SelectorError(kind, field, value, allowed);
  return value as T;
}

function repoNameOf(url: unknown): string | undefined {
  return typeof url === "string" ? url.slice(url.lastIndexOf("/") + 1) || undefined : undefined;
}
