import type { components } from "@octokit/openapi-types";
import { SelectorError, SourceHttpError } from "../errors.ts";
import type { Kind, PageOptions } from "../types.ts";
import { repositoryChanges } from "./kinds/changes.ts";
import { badCursor } from "./kinds/lists.ts";
import { searchChanges } from "./kinds/search-changes.ts";
import {
  choice,
  type GitHubKindContext,
  list,
  named,
  perRepositoryList,
  type RawItem,
  repoNameOf,
  reposPath,
} from "./kinds/shared.ts";

export type { GitHubKindContext } from "./kinds/shared.ts";

type Schemas = components["schemas"];
/**
 * As GitHub documents them, but read defensively: an item is whatever GitHub answered, so a
 * field may be missing or of another type; `__repository` is what the source adds.
 */
type Listed<T> = Partial<T> & { __repository?: string };
type PullRequest = Listed<Schemas["pull-request-simple"]>;
type Issue = Listed<Schemas["issue"]>;

const STATES = ["open", "closed", "all"] as const;

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
    changes: (since, options) => repositoryChanges(ctx, since, options),
  };
}

/**
 * `/repos/{org}/{repo}/pulls`, one partition per repository. Selectors: `state` (open, closed,
 * all; default open) or Ocean's `states` (a list of open, closed), `repositoryType`.
 */
export function pullRequestKind(ctx: GitHubKindContext): Kind {
  const shape = (item: RawItem, repo: string) => {
    const pr = item as PullRequest;
    const name = pr.base?.repo?.name;
    pr.__repository = typeof name === "string" ? name : repo;
    return item;
  };
  const kind = perRepositoryList(ctx, {
    name: "pull-request",
    label: "pulls",
    resource: (selector) => `pulls?state=${pullState(selector)}`,
    shape,
  });
  kind.changes = (since, options = {}) =>
    searchChanges(
      ctx,
      {
        kind: "pull-request",
        is: "pr",
        state: pullState(options.selector),
        listing: () => `pulls?state=${pullState(options.selector)}&sort=updated&direction=desc`,
        // A search result is an issue: the pull request itself, as the full listing has it
        // (Ocean's mappings read its head, base, merged_at…), is one request more.
        fromSearch: async (hit, repo, opts) => {
          const pull = await onePull(ctx, repo, hit.number, opts);
          return pull && shape(pull, repo);
        },
        shape,
      },
      since,
      options,
    );
  return kind;
}

/** `GET /repos/{org}/{repo}/pulls/{number}`; undefined when it is gone (deleted or moved since). */
async function onePull(
  ctx: GitHubKindContext,
  repo: string,
  number: unknown,
  options: PageOptions,
): Promise<RawItem | undefined> {
  if (typeof number !== "number") return undefined;
  const path = `/repos/${encodeURIComponent(ctx.org)}/${encodeURIComponent(repo)}/pulls/${number}`;
  try {
    const { body } = await ctx.client.get(path, {
      signal: options.signal,
      waitBudgetMs: options.waitBudgetMs,
    });
    return typeof body === "object" && body !== null ? (body as RawItem) : undefined;
  } catch (error) {
    if (error instanceof SourceHttpError && (error.status === 404 || error.status === 410)) return undefined;
    throw error;
  }
}

/**
 * `/repos/{org}/{repo}/issues`, one partition per repository that has issues turned on
 * (`has_issues`). GitHub lists pull requests among issues; they are left out here (they are
 * the `pull-request` kind).
 */
export function issueKind(ctx: GitHubKindContext): Kind {
  const state = (selector: Record<string, unknown> | undefined) =>
    choice("issue", selector, "state", STATES, "open");
  const shape = (item: RawItem, repo: string) => {
    const issue = item as Issue;
    if (issue.pull_request) return undefined;
    issue.__repository = repoNameOf(issue.repository_url) ?? repo;
    return item;
  };
  const kind = perRepositoryList(ctx, {
    name: "issue",
    label: "issues",
    resource: (selector) => `issues?state=${state(selector)}`,
    shape,
    wanted: (repo) => repo.hasIssues,
  });
  kind.changes = (since, options = {}) =>
    searchChanges(
      ctx,
      {
        kind: "issue",
        is: "issue",
        state: state(options.selector),
        // The issues listing takes `since` itself.
        listing: (from) =>
          `issues?state=${state(options.selector)}&since=${encodeURIComponent(from)}&sort=updated&direction=desc`,
        wanted: (repo) => repo.has_issues !== false,
        fromSearch: async (hit, repo) => {
          // A search result carries its relevance `score`, which no listing has.
          const { score: _, ...item } = hit;
          return shape(item, repo);
        },
        shape,
      },
      since,
      options,
    );
  return kind;
}

/** Tide's `state`, or Ocean's `states` list as the one `state` GitHub takes. */
function pullState(selector: Record<string, unknown> | undefined): (typeof STATES)[number] {
  const states = list("pull-request", selector, "states", ["open", "closed"] as const);
  if (states === undefined || states.length === 0)
    return choice("pull-request", selector, "state", STATES, "open");
  if (selector?.state !== undefined)
    throw new SelectorError("pull-request", "state", selector.state, ["absent when states is given"]);
  return states.includes("open") && states.includes("closed") ? "all" : (states[0] as "open" | "closed");
}
