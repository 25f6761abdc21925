import { SelectorError } from "../../errors.ts";
import type { Cursor, Kind, PageOptions } from "../../types.ts";
import { listAll, PER_PAGE } from "./lists.ts";
import { type GitHubKindContext, list, perRepository, type RawItem, text } from "./shared.ts";

/** Ocean reads at most this many runs per workflow (and status): the latest ones. */
export const RUNS_PER_WORKFLOW = 100;

const STATUSES = [
  "completed",
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "skipped",
  "stale",
  "success",
  "timed_out",
  "in_progress",
  "queued",
  "requested",
  "waiting",
  "pending",
] as const;

const DAY = 86_400_000;

/** Where a partition resumes: the next workflow (and status) whose runs are to be read. */
interface RunCursor {
  workflow: number;
  status?: string;
}

/**
 * `workflow-run`: per repository, the latest {@link RUNS_PER_WORKFLOW} runs of each workflow
 * (`GET /repos/{org}/{repo}/actions/workflows/{id}/runs`), as Ocean reads them, each tagged
 * `__repository` and `__organization`. One page per workflow (and status), so a partition
 * resumes at the workflow it stopped at. Selectors: `statuses` (one read per status),
 * `since` (days back) or `sinceDate` (ISO 8601), as Ocean's.
 *
 * @example
 * - kind: workflow-run
 *   selector: { query: "true", statuses: [failure], since: 30 }
 */
export function workflowRunKind(ctx: GitHubKindContext): Kind {
  return perRepository(ctx, {
    name: "workflow-run",
    async *pages(repo, base, options) {
      const from = runCursor(options.cursor);
      const statuses = list("workflow-run", options.selector, "statuses", STATUSES) ?? [undefined];
      const created = createdAfter(options.selector);
      const workflows = await listAll(
        ctx,
        "workflow-run",
        `${base}/actions/workflows?per_page=${PER_PAGE}`,
        options,
        "workflows",
      );
      const units = workflows.flatMap((w) => statuses.map((status) => ({ workflow: Number(w.id), status })));
      let start = 0;
      if (from) {
        // The workflow was deleted since: read the repository's workflows from the first again.
        // Runs read twice are written once; skipping some could let reconciliation delete them.
        start = Math.max(
          0,
          units.findIndex((u) => u.workflow === from.workflow && u.status === from.status),
        );
      }
      for (let i = start; i < units.length; i++) {
        const { workflow, status } = units[i] as { workflow: number; status: string | undefined };
        const query = new URLSearchParams({ per_page: String(RUNS_PER_WORKFLOW) });
        if (status) query.set("status", status);
        if (created) query.set("created", `>=${created}`);
        const path = `${base}/actions/workflows/${workflow}/runs?${query}`;
        const { body } = await ctx.client.get(path, {
          signal: options.signal,
          waitBudgetMs: options.waitBudgetMs,
        });
        const runs = (body as Record<string, unknown> | null)?.workflow_runs;
        if (!Array.isArray(runs))
          throw new TypeError(
            `kind workflow-run: GET ${path.split("?")[0]} did not return a list in "workflow_runs"`,
          );
        const items = (runs as RawItem[]).map((run) =>
          Object.assign(run, { __repository: repo, __organization: ctx.org }),
        );
        const next = units[i + 1];
        const cursor: Cursor | null = next
          ? next.status === undefined
            ? { workflow: next.workflow }
            : next
          : null;
        yield { items, cursor };
      }
      if (units.length === 0) yield { items: [], cursor: null };
    },
  });
}

function runCursor(cursor: PageOptions["cursor"]): RunCursor | undefined {
  if (cursor === undefined) return undefined;
  const c = cursor as Partial<RunCursor>;
  if (
    typeof cursor !== "object" ||
    typeof c.workflow !== "number" ||
    (c.status !== undefined && typeof c.status !== "string")
  )
    throw new TypeError(
      `kind workflow-run: a cursor is { workflow, status? }, not ${JSON.stringify(cursor)}`,
    );
  return { workflow: c.workflow, status: c.status };
}

/** Ocean's `since` (days; wins) or `sinceDate`, as the `created` filter's date. */
function createdAfter(selector: Record<string, unknown> | undefined): string | undefined {
  const since = selector?.since ?? undefined;
  if (since !== undefined) {
    if (typeof since !== "number" || !Number.isInteger(since) || since < 1)
      throw new SelectorError("workflow-run", "since", since, ["a whole number of days, 1 or more"]);
    return new Date(Date.now() - since * DAY).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  const date = text("workflow-run", selector, "sinceDate");
  if (date !== undefined && Number.isNaN(Date.parse(date)))
    throw new SelectorError("workflow-run", "sinceDate", date, ["an ISO 8601 date, e.g. 2024-01-01"]);
  return date;
}
