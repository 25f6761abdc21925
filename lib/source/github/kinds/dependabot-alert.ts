import type { components } from "@octokit/openapi-types";
import { SelectorError } from "../../errors.ts";
import type { Kind } from "../../types.ts";
import { featureOff } from "./feature-off.ts";
import { type GitHubKindContext, perRepositoryList } from "./shared.ts";

type DependabotAlert = Partial<components["schemas"]["dependabot-alert"]> & {
  __repository?: string;
  __organization?: string;
};

const STATES = ["auto_dismissed", "dismissed", "fixed", "open"] as const;

/**
 * `dependabot-alert`: `GET /repos/{org}/{repo}/dependabot/alerts`, one partition per
 * repository, as Ocean lists it. Selector `states` (Ocean's: any of auto_dismissed,
 * dismissed, fixed, open; default `["open"]`). Each alert carries `__repository` (the
 * repository's name) and `__organization`. A repository with Dependabot alerts turned off is
 * skipped with a warning. Needs the "Dependabot alerts: read" permission.
 *
 * @example
 * // port-app-config.yml: - kind: dependabot-alert
 * //                        selector: { query: "true", states: [open, fixed] }
 */
export function dependabotAlertKind(ctx: GitHubKindContext): Kind {
  const name = "dependabot-alert";
  const query = (selector: Record<string, unknown> | undefined) =>
    `state=${statesOf(name, selector).join(",")}`;
  return perRepositoryList(ctx, {
    name,
    resource: (selector) => `dependabot/alerts?${query(selector)}`,
    shape: (item, repo) => {
      const alert = item as DependabotAlert;
      alert.__repository = repo;
      alert.__organization = ctx.org;
      return alert;
    },
    skip: (error) => featureOff("Dependabot alerts", error),
  });
}

function statesOf(kind: string, selector: Record<string, unknown> | undefined): string[] {
  const value = selector?.states ?? ["open"];
  const list = Array.isArray(value) ? value : [value];
  const bad = list.find((s) => !STATES.includes(s as (typeof STATES)[number]));
  if (list.length === 0 || bad !== undefined) throw new SelectorError(kind, "states", value, STATES);
  return [...new Set(list as string[])];
}
