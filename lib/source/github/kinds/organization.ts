import type { Kind } from "../../types.ts";
import { getObject } from "./lists.ts";
import type { GitHubKindContext } from "./shared.ts";

/** `organization`: the configured org, as `GET /orgs/{org}` answers it (one item). */
export function organizationKind(ctx: GitHubKindContext): Kind {
  return {
    name: "organization",
    async *pages(options = {}) {
      const org = await getObject(ctx, "organization", `/orgs/${encodeURIComponent(ctx.org)}`, options);
      yield { items: [org], cursor: null };
    },
  };
}
