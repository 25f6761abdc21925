import type { ResyncState } from "../port/blueprint.ts";

/** A run's progress as the pipeline reports it. */
export interface ResyncReport {
  status: string;
  start?: string;
  end?: string;
}

const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };

/**
 * The interval, in minutes, of an EventBridge Scheduler `rate(...)` expression; undefined for
 * `cron(...)`/`at(...)` (no fixed interval) or no schedule (local runs).
 *
 * @example
 * intervalMinutesOf("rate(6 hours)"); // 360
 */
export function intervalMinutesOf(schedule: string | undefined): number | undefined {
  const match = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(schedule?.trim() ?? "");
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_MINUTES[match[2] as string] ?? 0) || undefined;
}

/**
 * What Port's integration page shows, with Ocean's field names (`intervalInMinuets` included):
 * `running` with its start, then `completed` or `failed` (a partial run counts as failed, as
 * in Ocean) with its end; the next resync is the start plus the schedule's interval.
 */
export function resyncStateOf(report: ResyncReport, intervalMinutes: number | undefined): ResyncState {
  const status =
    report.status === "running" || report.status === "reconciling"
      ? "running"
      : report.status === "completed"
        ? "completed"
        : report.status === "aborted"
          ? "aborted"
          : "failed";
  const start = report.start ?? new Date().toISOString();
  const next =
    intervalMinutes === undefined
      ? null
      : new Date(Date.parse(start) + intervalMinutes * 60_000).toISOString();
  return {
    status,
    lastResyncStart: start,
    lastResyncEnd: status === "running" ? null : (report.end ?? new Date().toISOString()),
    nextResync: next,
    intervalInMinuets: intervalMinutes ?? null,
  };
}
