import type { components } from "@octokit/openapi-types";
import type { Kind } from "../../types.ts";
import { featureOff } from "./feature-off.ts";
import { choice, type GitHubKindContext, perRepositoryList } from "./shared.ts";

type CodeScanningAlert = Partial<components["schemas"]["code-scanning-alert-items"]> & {
  __repository?: string;
  __organization?: string;
};

const STATES = ["open", "closed", "dismissed", "fixed"] as const;

/**
 * `code-scanning-alerts`: `GET /repos/{org}/{repo}/code-scanning/alerts`, one partition per
 * repository, as Ocean lists it. Selector `state` (open, closed, dismissed, fixed; default
 * open). Each alert carries `__repository` (the repository's name) and `__organization`. A
 * repository without code scanning (not set up, no analysis yet, Advanced Security off) is
 * skipped with a warning. Needs the "Code scanning alerts: read" permission.
 *
 * @example
 * // port-app-config.yml: - kind: code-scanning-alerts
 * //                        selector: { query: "true", state: open }
 */
export function codeScanningAlertsKind(ctx: GitHubKindContext): Kind {
  const name = "code-scanning-alerts";
  const query = (selector: Record<string, unknown> | undefined) =>
    `state=${choice(name, selector, "state", STATES, "open")}`;
  return perRepositoryList(ctx, {
    name,
    resource: (selector) => `code-scanning/alerts?${query(selector)}`,
    shape: (item, repo) => {
      const alert = item as CodeScanningAlert;
      alert.__repository = repo;
      alert.__organization = ctx.org;
      return alert;
    },
    skip: (error) => featureOff("code scanning", error),
  });
}
