import type { Kind } from "../../types.ts";
import { type GitHubKindContext, tagged, unsupported } from "./shared.ts";

/** `environment`: `GET /repos/{org}/{repo}/environments`. Ocean's `includeVariables` is not supported. */
export function environmentKind(ctx: GitHubKindContext): Kind {
  return tagged(
    ctx,
    "environment",
    (selector) => {
      unsupported("environment", selector, ["includeVariables"]);
      return "environments";
    },
    "environments",
  );
}
