import type { Kind } from "../../types.ts";
import { getObject, listPages, withPerPage } from "./lists.ts";
import { flag, type GitHubKindContext, list, perRepository, type RawItem, unsupported } from "./shared.ts";

/**
 * `branch`: `GET /repos/{org}/{repo}/branches`, each tagged `__repository`, `__organization`,
 * `__repository_object` (the repository, read once per partition) and `__is_default_branch`,
 * as Ocean does. Selectors: `defaultBranchOnly` (only the default branch), `branchNames`
 * (only these). Ocean's `detailed` and `protectionRules` (one more request per branch) are
 * not supported: asking for them is a selector error rather than a silently different shape.
 */
export function branchKind(ctx: GitHubKindContext): Kind {
  return perRepository(ctx, {
    name: "branch",
    async *pages(repo, base, options) {
      const { selector } = options;
      unsupported("branch", selector, ["detailed", "protectionRules"]);
      const defaultOnly = flag("branch", selector, "defaultBranchOnly", false);
      const names = list("branch", selector, "branchNames");
      const repository = await getObject(ctx, "branch", base, options);
      const defaultBranch = repository.default_branch;
      const wanted = (branch: RawItem) =>
        defaultOnly
          ? branch.name === defaultBranch
          : names === undefined || names.length === 0 || names.includes(String(branch.name));
      for await (const page of listPages(ctx, "branch", withPerPage(`${base}/branches`), options)) {
        const items = (page.items as RawItem[]).filter(wanted).map((branch) =>
          Object.assign(branch, {
            __repository: repo,
            __organization: ctx.org,
            __repository_object: repository,
            __is_default_branch: branch.name === defaultBranch,
          }),
        );
        yield { items, cursor: page.cursor };
      }
    },
  });
}
