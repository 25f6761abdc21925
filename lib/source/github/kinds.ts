import type { components } from "@octokit/openapi-types";
import { SelectorError } from "../errors.ts";
import type { Kind } from "../types.ts";
import { badCursor } from "./kinds/lists.ts";
import {
  choice,
  type GitHubKindContext,
  list,
  named,
  perRepositoryList,
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
  };
}

/**
 * `/repos/{org}/{repo}/pulls`, one partition per repository. Selectors: `state` (open, closed,
 * all; default open) or Ocean's `states` (a list of open, closed), `repositoryType`.
 */
export function pullRequestKind(ctx: GitHubKindContext): Kind {
  return perRepositoryList(ctx, {
    name: "pull-request",
    label: "pulls",
    resource: (selector) => `pulls?state=${pullState(selector)}`,
    shape: (item, repo) => {
      const pr = item as PullRequest;
      const name = pr.base?.repo?.name;
      pr.__repository = typeof name === "string" ? name : repo;
      return item;
    },
  });
}

/**
 * `/repos/{org}/{repo}/issues`, one partition per repository that has issues turned on
 * (`has_issues`). GitHub lists pull requests among issues; they are left out here (they are
 * the `pull-request` kind).
 */
export function issueKind(ctx: GitHubKindContext): Kind {
  return perRepositoryList(ctx, {
    name: "issue",
    label: "issues",
    resource: (selector) => `issues?state=${choice("issue", selector, "state", STATES, "open")}`,
    shape: (item, repo) => {
      const issue = item as Issue;
      if (issue.pull_request) return undefined;
      issue.__repository = repoNameOf(issue.repository_url) ?? repo;
      return item;
    },
    wanted: (repo) => repo.hasIssues,
  });
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
