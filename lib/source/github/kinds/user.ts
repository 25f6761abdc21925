import type { Kind } from "../../types.ts";
import { listPages, PER_PAGE } from "./lists.ts";
import { Profiles } from "./people.ts";
import { type GitHubKindContext, type RawItem, unsupported } from "./shared.ts";

/**
 * `user`: the org's members (`GET /orgs/{org}/members`), each as Ocean's GraphQL user —
 * `login`, `id` (node id), `databaseId`, `name`, `email` — with their profile read once each.
 * Needs the Members (read) organization permission.
 */
export function userKind(ctx: GitHubKindContext): Kind {
  return {
    name: "user",
    async *pages(options = {}) {
      unsupported("user", options.selector, ["includeSAMLEmail"]);
      const profiles = new Profiles(ctx, "user", options);
      const first = `/orgs/${encodeURIComponent(ctx.org)}/members?per_page=${PER_PAGE}`;
      for await (const page of listPages(ctx, "user", first, options)) {
        const items = await Promise.all(page.items.map((member) => profiles.user(member as RawItem)));
        yield { items, cursor: page.cursor };
      }
    },
  };
}
