import type { Plan } from "../local/plan-catalog.ts";
import { addToCauses, sortCauses } from "../pipeline/causes.ts";
import type { RunRecord, RunSummary } from "../pipeline/run.ts";

/** The table a resync ends with: per kind, then failures and what happened to stale entities. */
export function formatSummary(run: RunRecord): string {
  const summary = run.summary;
  if (!summary) return `run ${run.runId}: ${run.status} (no summary)\n`;
  const header = ["kind", "items", "entities", "unchanged", "filtered", "failed"];
  const rows = summary.kinds.map((k) =>
    [k.kind, k.items, k.entities, k.unchanged, k.filtered, k.failures].map(String),
  );
  const lines = [
    `run ${run.runId}: ${summary.status} in ${(summary.durationMs / 1000).toFixed(1)} s`,
    ...runScope(summary),
    "",
    ...table(header, rows),
  ];
  const deleted = Object.entries(summary.deleted);
  lines.push("");
  const total = deleted.reduce((sum, [, n]) => sum + n, 0);
  if (summary.deletion.performed || total > 0) {
    const detail = deleted.map(([bp, n]) => `${bp} ${n}`).join(", ");
    lines.push(`deleted ${total} stale entit${total === 1 ? "y" : "ies"}${detail ? ` (${detail})` : ""}`);
    // Some blueprints held back, candidates kept, entities repaired: said beside what was deleted.
    if (summary.deletion.reason) lines.push(`note: ${summary.deletion.reason}`);
  } else {
    lines.push(`deleted nothing: ${summary.deletion.reason ?? "no deletion"}`);
  }
  if (summary.failureCount > 0) lines.push("", ...formatFailures(summary));
  return `${lines.join("\n")}\n`;
}

/** An incremental run's cutoff and what it left out; why a run asked to be incremental was not. */
export function runScope(summary: Pick<RunSummary, "incremental" | "fullBecause">): string[] {
  const { incremental, fullBecause } = summary;
  if (fullBecause) return [`a full resync, not incremental: ${fullBecause}`];
  if (!incremental) return [];
  const left =
    incremental.notCovered.length > 0 ? `; ${incremental.notCovered.join(", ")} left to full resyncs` : "";
  return [`incremental: changes since ${incremental.since} (run ${incremental.after} less a margin)${left}`];
}

/** What `--plan` found: counts, then each change. */
export function formatPlan(plan: Plan, blocked: string | undefined, limit = 50): string {
  const lines = [
    `plan: ${plan.create.length} to create, ${plan.update.length} to update, ${plan.unchanged} unchanged, ${plan.delete.length} to delete`,
  ];
  if (blocked) lines.push(`deletion would be blocked: ${blocked}`);
  const list = <T>(title: string, items: T[], show: (item: T) => string) => {
    if (items.length === 0) return;
    lines.push("", `${title}:`);
    for (const item of items.slice(0, limit)) lines.push(`  ${show(item)}`);
    if (items.length > limit) lines.push(`  … and ${items.length - limit} more`);
  };
  list("create", plan.create, (c) => `${c.blueprint}/${c.identifier}`);
  list("update", plan.update, (u) => `${u.blueprint}/${u.identifier}: ${u.changes.join("; ")}`);
  list("delete", plan.delete, (d) => `${d.blueprint}/${d.identifier}`);
  return `${lines.join("\n")}\n`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), ...rows.map(line)];
}

/**
 * The run's failures grouped by cause, most frequent first, each with a count and a few examples
 * (item, field, HTTP status, Port trace id), so 2,000 identical failures take one line.
 */
export function formatFailures(summary: RunSummary, examples = 3): string[] {
  const causes = summary.causes ?? addToCauses([], summary.failures);
  const lines = [
    `${summary.failureCount} failure(s), ${causes.length} cause${causes.length === 1 ? "" : "s"}:`,
  ];
  const width = Math.max(...causes.map((c) => String(c.count).length));
  for (const c of sortCauses(causes)) {
    lines.push(`  ${String(c.count).padStart(width)} × ${c.cause}`);
    for (const f of c.examples.slice(0, examples)) {
      const where = [f.kind, f.item && `item ${f.item}`, f.field && `field ${f.field}`]
        .filter(Boolean)
        .join(", ");
      const http = [f.status && `HTTP ${f.status}`, f.code, f.traceId && `trace ${f.traceId}`]
        .filter(Boolean)
        .join(" ");
      lines.push(`  ${" ".repeat(width)}   e.g. ${where}: ${f.message}${http ? ` (${http})` : ""}`);
    }
  }
  return lines;
}
