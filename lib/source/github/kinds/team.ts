import type { Kind } from "../../types.ts";
import { listAll, listPages, PER_PAGE } from "./lists.ts";
import { Profiles } from "./people.ts";
import { flag, type GitHubKindContext, type RawItem, unsupported } from "./shared.ts";

/**
 * `team`: `GET /orgs/{org}/teams`, each tagged `__organization`. Selector `members` (default
 * true, as Ocean): each team also gets Ocean's GraphQL fields — `members.nodes[]` (`id`,
 * `login`, `name`, `email`, `isSiteAdmin`), `databaseId`, `notificationSetting` and
 * `__graphql_privacy` — read through `GET /orgs/{org}/teams/{slug}/members` and the members'
 * profiles. Needs the Members (read) organization permission.
 */
export function teamKind(ctx: GitHubKindContext): Kind {
  const org = encodeURIComponent(ctx.org);
  return {
    name: "team",
    async *pages(options = {}) {
      unsupported("team", options.selector, ["includeSAMLEmail", "include_external_group"]);
      const members = flag("team", options.selector, "members", true);
      const profiles = new Profiles(ctx, "team", options);
      for await (const page of listPages(ctx, "team", `/orgs/${org}/teams?per_page=${PER_PAGE}`, options)) {
        const items = page.items as RawItem[];
        for (const team of items) team.__organization = ctx.org;
        if (members) {
          await Promise.all(
            items.map(async (team) => {
              const path = `/orgs/${org}/teams/${encodeURIComponent(String(team.slug))}/members?per_page=${PER_PAGE}`;
              const listed = await listAll(ctx, "team", path, options);
              team.members = { nodes: await Promise.all(listed.map((m) => profiles.teamMember(m))) };
              team.databaseId = team.id;
              team.notificationSetting = String(team.notification_setting ?? "").toUpperCase() || null;
              team.__graphql_privacy = team.privacy === "secret" ? "SECRET" : "VISIBLE";
            }),
          );
        }
        yield { items, cursor: page.cursor };
      }
    },
  };
}
