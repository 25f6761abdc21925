import { header } from "../../http/index.ts";
import { PartitionRequiredError, SelectorError, SourceHttpError } from "../errors.ts";
import { paginateLink } from "../paginate/link.ts";
import type { CallOptions, Kind, Page, PageOptions } from "../types.ts";
import type { GitHubClient } from "./client.ts";

type Item = Record<string, unknown>;

export interface GitHubKindContext {
  client: GitHubClient;
  org: string;
}

const PER_PAGE = 100;
const STATES = ["open", "closed", "all"] as const;
const REPOSITORY_TYPES = ["all", "public", "private", "forks", "sources", "member"] as const;

/** `/orgs/{org}/repos`. Selector: `repositoryType` (all, public, private, forks, sources, member). */
export function repositoryKind(ctx: GitHubKindContext): Kind {
  return {
    name: "repository",
    async *pages(options = {}) {
      yield* listPages(ctx, "repository", reposPath(ctx, "repository", options), options);
    },
  };
}

/** `/repos/{org}/{repo}/pulls`, one partition per repository. Selector: `state` (default open), `repositoryType`. */
export function pullRequestKind(ctx: GitHubKindContext): Kind {
  return perRepository(ctx, "pull-request", "pulls", (pr, repo) => {
    pr.__repository = (pr.base as { repo?: { name?: string } } | undefined)?.repo?.name ?? repo;
    return pr;
  });
}

/**
 * `/repos/{org}/{repo}/issues`, one partition per repository. GitHub lists pull requests
 * among issues; they are left out here (they are the `pull-request` kind).
 */
export function issueKind(ctx: GitHubKindContext): Kind {
  return perRepository(ctx, "issue", "issues", (issue, repo) => {
    if (issue.pull_request) return undefined;
    issue.__repository = repoNameOf(issue.repository_url) ?? repo;
    return issue;
  });
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

/** `shape` may change the item in place: it was just parsed and belongs to no one else. */
function perRepository(
  ctx: GitHubKindContext,
  name: string,
  resource: string,
  shape: (item: Item, repo: string) => Item | undefined,
): Kind {
  return {
    name,
    async *partitions(options: CallOptions = {}) {
      const path = reposPath(ctx, name, options);
      for await (const page of listPages(ctx, name, path, options)) {
        for (const [i, repo] of page.items.entries()) {
          const repoName = (repo as Item | null)?.name;
          if (typeof repoName !== "string" || repoName === "") {
            const shown = JSON.stringify(repo)?.slice(0, 80);
            throw new TypeError(
              `kind ${name}: GET ${path.split("?")[0]} listed a repository without a name (#${i}: ${shown})`,
            );
          }
          yield repoName;
        }
      }
    },
    async *pages(options: PageOptions = {}) {
      const repo = options.partition;
      if (repo === undefined) throw new PartitionRequiredError(name);
      const state = choice(name, options.selector, "state", STATES, "open");
      const path = `/repos/${encodeURIComponent(ctx.org)}/${encodeURIComponent(repo)}/${resource}`;
      try {
        for await (const page of listPages(
          ctx,
          name,
          `${path}?state=${state}&per_page=${PER_PAGE}`,
          options,
        )) {
          const items = page.items.flatMap((item) => shape(item as Item, repo) ?? []);
          yield { items, cursor: page.cursor };
        }
      } catch (error) {
        // The repository was deleted (404) or has issues turned off (410) since it was listed:
        // it has nothing to list, which is not a failure of the run.
        if (!(error instanceof SourceHttpError && (error.status === 404 || error.status === 410)))
          throw error;
        yield { items: [], cursor: null };
      }
    },
  };
}

function listPages(
  ctx: GitHubKindContext,
  kind: string,
  first: string,
  options: PageOptions,
): AsyncGenerator<Page> {
  const { cursor, signal, waitBudgetMs } = options;
  if (cursor !== undefined && typeof cursor !== "string") {
    throw new TypeError(`kind ${kind}: a cursor is a next-page URL string, not ${JSON.stringify(cursor)}`);
  }
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

function reposPath(ctx: GitHubKindContext, kind: string, options: CallOptions): string {
  const type = choice(kind, options.selector, "repositoryType", REPOSITORY_TYPES, "all");
  return `/orgs/${encodeURIComponent(ctx.org)}/repos?type=${type}&per_page=${PER_PAGE}`;
}

function choice<T extends string>(
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
