import type { Kind } from "../../types.ts";
import { choice, type GitHubKindContext, tagged } from "./shared.ts";

const AFFILIATIONS = ["all", "direct", "outside"] as const;

/** `collaborator`: `GET /repos/{org}/{repo}/collaborators`. Selector `affiliation` (all, direct, outside; default all). */
export function collaboratorKind(ctx: GitHubKindContext): Kind {
  return tagged(ctx, "collaborator", (selector) => {
    return `collaborators?affiliation=${choice("collaborator", selector, "affiliation", AFFILIATIONS, "all")}`;
  });
}
