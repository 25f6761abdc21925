import type { Kind } from "../../types.ts";
import { type GitHubKindContext, tagged } from "./shared.ts";

/** `workflow`: `GET /repos/{org}/{repo}/actions/workflows`. */
export function workflowKind(ctx: GitHubKindContext): Kind {
  return tagged(ctx, "workflow", () => "actions/workflows", "workflows");
}
