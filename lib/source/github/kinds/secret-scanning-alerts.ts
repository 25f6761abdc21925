import type { components } from "@octokit/openapi-types";
import { SelectorError } from "../../errors.ts";
import type { Kind } from "../../types.ts";
import { featureOff } from "./feature-off.ts";
import { choice, type GitHubKindContext, perRepositoryList } from "./shared.ts";

type SecretScanningAlert = Partial<components["schemas"]["secret-scanning-alert"]> & {
  __repository?: string;
  __organization?: string;
};

const STATES = ["open", "resolved", "all"] as const;

/**
 * `secret-scanning-alerts`: `GET /repos/{org}/{repo}/secret-scanning/alerts?hide_secret=true`,
 * one partition per repository, as Ocean lists it. Selector `state` (open, resolved, all;
 * default open). The secret itself is never read: GitHub is asked to hide it, and a `secret`
 * field is dropped should a server send one anyway (an older GitHub Enterprise Server), so it
 * can reach neither Port nor a log. Ocean's `hideSecret: false` is refused for that reason.
 * Each alert carries `__repository` and `__organization`. A repository with secret scanning
 * off is skipped with a warning. Needs the "Secret scanning alerts: read" permission.
 *
 * @example
 * // port-app-config.yml: - kind: secret-scanning-alerts
 * //                        selector: { query: "true", state: all }
 */
export function secretScanningAlertsKind(ctx: GitHubKindContext): Kind {
  const name = "secret-scanning-alerts";
  const query = (selector: Record<string, unknown> | undefined) => {
    const hide = selector?.hideSecret ?? true;
    if (hide !== true) throw new SelectorError(name, "hideSecret", hide, ["true"]);
    const state = choice(name, selector, "state", STATES, "open");
    return `${state === "all" ? "" : `state=${state}&`}hide_secret=true`;
  };
  return perRepositoryList(ctx, {
    name,
    resource: (selector) => `secret-scanning/alerts?${query(selector)}`,
    shape: (item, repo) => {
      const alert = item as SecretScanningAlert;
      delete alert.secret;
      alert.__repository = repo;
      alert.__organization = ctx.org;
      return alert;
    },
    skip: (error) => featureOff("secret scanning", error),
  });
}
