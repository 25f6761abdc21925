import type { Kind } from "../../types.ts";
import { type GitHubKindContext, tagged } from "./shared.ts";

/** `environment`: `GET /repos/{org}/{repo}/environments`. */
export function environmentKind(ctx: GitHubKindContext): Kind {
  return tagged(ctx, "environment", () => "environments", "environments");
}
