import type { Kind } from "../../types.ts";
import { getObject, listPages, withPerPage } from "./lists.ts";
import { type GitHubKindContext, perRepository } from "./shared.ts";

/**
 * `tag`: `GET /repos/{org}/{repo}/tags`, each tagged `__repository`, `__organization` and, as
 * Ocean does, `__repository_object` (the repository, read once per partition).
 */
export function tagKind(ctx: GitHubKindContext): Kind {
  return perRepository(ctx, {
    name: "tag",
    async *pages(repo, base, options) {
      const repository = await getObject(ctx, "tag", base, options);
      for await (const page of listPages(ctx, "tag", withPerPage(`${base}/tags`), options)) {
        for (const tag of page.items as Record<string, unknown>[]) {
          Object.assign(tag, {
            __repository: repo,
            __organization: ctx.org,
            __repository_object: repository,
          });
        }
        yield page;
      }
    },
  });
}
