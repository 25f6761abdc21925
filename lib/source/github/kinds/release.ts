import type { Kind } from "../../types.ts";
import { type GitHubKindContext, tagged } from "./shared.ts";

/** `release`: `GET /repos/{org}/{repo}/releases`, newest first. */
export function releaseKind(ctx: GitHubKindContext): Kind {
  return tagged(ctx, "release", () => "releases");
}
