import { PartitionRequiredError, SelectorError, SourceHttpError } from "../../errors.ts";
import type { CallOptions, Kind, Page, PageOptions } from "../../types.ts";
import { type GitHubClient, GitHubHttpError } from "../client.ts";
import { type ListedRepo, NotAListError, type RepositoryListings } from "../repo-listing.ts";
import { listPages, PER_PAGE, pagesUnchanged, withPerPage } from "./lists.ts";

/** What every GitHub kind is built from. */
export interface GitHubKindContext {
  client: GitHubClient;
  org: string;
  /** The org's repository listing, read once and shared by the kinds that need it. */
  listings: RepositoryListings;
  /** A repository whose listing is skipped (blocked by GitHub), named in the message. */
  warn(message: string, detail: Record<string, unknown>): void;
}

/** A raw item as GitHub answered it: read defensively, changed in place by the kind that owns it. */
export type RawItem = Record<string, unknown>;

const REPOSITORY_TYPES = ["all", "public", "private", "forks", "sources", "member"] as const;

/** What a kind partitioned by repository reads in one repository. */
export interface PerRepository {
  name: string;
  /** What a skipped repository's warning says was blocked (`pulls`, `releases`). Default: the kind's name. */
  label?: string;
  /** The repository's pages: `base` is `/repos/{org}/{repo}`. */
  pages(repo: string, base: string, options: PageOptions): AsyncGenerator<Page>;
  /** Repositories without it are not partitions (e.g. issues turned off). */
  wanted?(repo: ListedRepo): boolean;
  /**
   * Why a refusal of one repository is to be skipped with a warning (e.g. "Dependabot alerts
   * off"), or undefined to fail the kind as any other error does.
   */
  skip?(error: SourceHttpError): string | undefined;
  /**
   * True when `pages` is one plain GitHub list whose items depend on nothing but its pages'
   * answers: then an unchanged partition can be known by conditional requests alone.
   */
  conditional?: boolean;
}

/**
 * A kind with one partition per repository of the org's (shared) listing, so that
 * repositories enumerate in parallel, each resuming from its own cursor. A repository GitHub
 * blocked is skipped with a warning; one deleted since it was listed (404) or whose feature is
 * off (410) has nothing to list.
 */
export function perRepository(ctx: GitHubKindContext, spec: PerRepository): Kind {
  const { name } = spec;
  return {
    name,
    ...(spec.conditional
      ? { unchanged: (validators, options) => pagesUnchanged(ctx, validators, options) }
      : {}),
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
        if (spec.wanted?.(repo) ?? true) yield repo.name;
      }
    },
    async *pages(options: PageOptions = {}) {
      const repo = options.partition;
      if (repo === undefined) throw new PartitionRequiredError(name);
      const base = `/repos/${encodeURIComponent(ctx.org)}/${encodeURIComponent(repo)}`;
      try {
        yield* spec.pages(repo, base, options);
      } catch (error) {
        if (!(error instanceof SourceHttpError)) throw error;
        const block = error instanceof GitHubHttpError ? error.block : undefined;
        const off = spec.skip?.(error);
        if (off !== undefined) {
          ctx.warn(`github: skipped repository ${ctx.org}/${repo} for kind ${name}: ${off}`, {
            repository: repo,
            kind: name,
            status: error.status,
          });
        } else if (error.status === 451 || (error.status === 403 && block)) {
          // GitHub blocked the repository (a DMCA takedown, a disabled repository): it stays in
          // the org's listing, but nothing in it can be read. Skip it rather than fail every run.
          const why = `${spec.label ?? name} blocked by GitHub`;
          ctx.warn(`github: skipped repository ${ctx.org}/${repo}: ${why}`, {
            repository: repo,
            kind: name,
            status: error.status,
            reason: block?.reason,
          });
          yield { items: [], cursor: null, unreadable: `${why} (HTTP ${error.status})` };
          return;
        } else if (error.status !== 404 && error.status !== 410) {
          throw error;
        }
        // Deleted (404) or the feature turned off (410) since it was listed: nothing to list.
        yield { items: [], cursor: null };
      }
    },
  };
}

/**
 * A simple per-repository list: `GET {base}/{resource}` page after page, each item shaped
 * (tagged with its repository, or dropped when `shape` answers undefined).
 */
export function perRepositoryList(
  ctx: GitHubKindContext,
  spec: {
    name: string;
    /** The list's path below the repository, with its query (without `per_page`). */
    resource(selector: Record<string, unknown> | undefined): string;
    /** The key of the list when GitHub wraps it in an object (`workflows`, `environments`). */
    envelope?: string;
    label?: string;
    shape(item: RawItem, repo: string): RawItem | undefined;
    wanted?(repo: ListedRepo): boolean;
    skip?(error: SourceHttpError): string | undefined;
  },
): Kind {
  return perRepository(ctx, {
    name: spec.name,
    label: spec.label,
    wanted: spec.wanted,
    skip: spec.skip,
    conditional: true,
    async *pages(repo, base, options) {
      const first = withPerPage(`${base}/${spec.resource(options.selector)}`);
      for await (const page of listPages(ctx, spec.name, first, options, spec.envelope)) {
        const items = page.items.flatMap((item) => spec.shape(item as RawItem, repo) ?? []);
        yield { items, cursor: page.cursor, ...(page.validator ? { validator: page.validator } : {}) };
      }
    },
  });
}

/**
 * The kinds that are one list per repository, each item tagged with `__repository` (the
 * repository's name) and `__organization`, as Ocean tags them. One partition per repository.
 */
export function tagged(
  ctx: GitHubKindContext,
  name: string,
  resource: (selector: Record<string, unknown> | undefined) => string,
  envelope?: string,
): Kind {
  return perRepositoryList(ctx, {
    name,
    resource,
    envelope,
    shape: (item, repo) => {
      item.__repository = repo;
      item.__organization = ctx.org;
      return item;
    },
  });
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

/** A selector field that takes one of `allowed`. */
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

/** A true/false selector field. */
export function flag(
  kind: string,
  selector: Record<string, unknown> | undefined,
  field: string,
  fallback: boolean,
): boolean {
  const value = selector?.[field] ?? fallback;
  if (typeof value !== "boolean") throw new SelectorError(kind, field, value, ["true", "false"]);
  return value;
}

/**
 * Ocean selectors that add fields Tide does not read (one more request per item): asking for
 * one is an error rather than a silently different shape.
 */
export function unsupported(
  kind: string,
  selector: Record<string, unknown> | undefined,
  fields: string[],
): void {
  for (const field of fields) {
    if (flag(kind, selector, field, false))
      throw new SelectorError(kind, field, true, ["false (not supported by Tide)"]);
  }
}

/** An optional text selector field (`null` and absent alike mean not set). */
export function text(
  kind: string,
  selector: Record<string, unknown> | undefined,
  field: string,
): string | undefined {
  const value = selector?.[field] ?? undefined;
  if (value !== undefined && (typeof value !== "string" || value === ""))
    throw new SelectorError(kind, field, value, ["a non-empty string"]);
  return value;
}

/** An optional list-of-values selector field, each one of `allowed` (any text when undefined). */
export function list<T extends string>(
  kind: string,
  selector: Record<string, unknown> | undefined,
  field: string,
  allowed?: readonly T[],
): T[] | undefined {
  const value = selector?.[field] ?? undefined;
  if (value === undefined) return undefined;
  const ok = (v: unknown) => typeof v === "string" && v !== "" && (!allowed || allowed.includes(v as T));
  if (!Array.isArray(value) || !value.every(ok))
    throw new SelectorError(
      kind,
      field,
      value,
      allowed ? [`a list of ${allowed.join(", ")}`] : ["a list of names"],
    );
  return value as T[];
}

export function repoNameOf(url: unknown): string | undefined {
  return typeof url === "string" ? url.slice(url.lastIndexOf("/") + 1) || undefined : undefined;
}
