import type { Kind } from "../../types.ts";
import { type GitHubKindContext, tagged, text, unsupported } from "./shared.ts";

/**
 * `deployment`: `GET /repos/{org}/{repo}/deployments`, newest first. Selectors `task`,
 * `environment`; Ocean's `enrichWithFirstCommit` is not supported.
 */
export function deploymentKind(ctx: GitHubKindContext): Kind {
  return tagged(ctx, "deployment", (selector) => {
    unsupported("deployment", selector, ["enrichWithFirstCommit"]);
    return `deployments${deploymentFilter("deployment", selector)}`;
  });
}

/** `?task=…&environment=…` from a deployment selector, or "". */
export function deploymentFilter(kind: string, selector: Record<string, unknown> | undefined): string {
  const query = new URLSearchParams();
  const task = text(kind, selector, "task");
  const environment = text(kind, selector, "environment");
  if (task) query.set("task", task);
  if (environment) query.set("environment", environment);
  const rendered = query.toString();
  return rendered ? `?${rendered}` : "";
}
