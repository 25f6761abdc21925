import type { Kind } from "../../types.ts";
import { deploymentFilter } from "./deployment.ts";
import { listAll, listPages, PER_PAGE, withPerPage } from "./lists.ts";
import { type GitHubKindContext, perRepository, type RawItem } from "./shared.ts";

/**
 * `deployment-status`: per repository, every status of every deployment
 * (`GET /repos/{org}/{repo}/deployments/{id}/statuses`), each tagged `__repository`,
 * `__organization` and `__deployment_id`, as Ocean does. One page per page of deployments,
 * so a partition resumes at the deployments it stopped at. Selectors `task`, `environment`
 * filter the deployments.
 */
export function deploymentStatusKind(ctx: GitHubKindContext): Kind {
  return perRepository(ctx, {
    name: "deployment-status",
    async *pages(repo, base, options) {
      const first = withPerPage(
        `${base}/deployments${deploymentFilter("deployment-status", options.selector)}`,
      );
      for await (const page of listPages(ctx, "deployment-status", first, options)) {
        const lists = await Promise.all(
          (page.items as RawItem[]).map(async (deployment) => {
            const id = String(deployment.id);
            const path = `${base}/deployments/${encodeURIComponent(id)}/statuses?per_page=${PER_PAGE}`;
            const statuses = await listAll(ctx, "deployment-status", path, options);
            return statuses.map((status) =>
              Object.assign(status, { __repository: repo, __organization: ctx.org, __deployment_id: id }),
            );
          }),
        );
        yield { items: lists.flat(), cursor: page.cursor };
      }
    },
  });
}
