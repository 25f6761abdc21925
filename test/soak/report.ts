import type { SoakReport } from "./soak.ts";

/** The soak's report as Markdown tables: the figures, each run, then every check. */
export function formatReport(report: SoakReport): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const figures: Array<[string, string]> = [
    [
      "entities",
      `${report.entities} (${Object.entries(report.perBlueprint)
        .map(([bp, n]) => `${bp} ${n}`)
        .join(", ")})`,
    ],
    ["seed", String(report.seed)],
    ["Port requests (faults included)", String(report.portRequests)],
    ["Port client retries", String(report.portRetries)],
    ["GitHub requests", String(report.githubRequests)],
    ["ingest invocations", String(report.ingestInvocations)],
    ["duplicate SQS deliveries", String(report.duplicates)],
    ["ingest crashes mid-batch", String(report.crashes)],
    ["fanout continuations", String(report.continuations)],
    ["duration", s(report.durationMs)],
  ];
  const runs = report.phases.map((p) => [
    p.phase,
    p.status,
    s(p.durationMs),
    String(p.continuations),
    String(p.portRequests),
    String(p.failures),
    String(p.deleted),
  ]);
  const checks = report.checks.map((c) => [c.pass ? "yes" : "NO", c.name, c.detail]);
  return [
    table(["soak", "value"], figures),
    table(["run", "status", "duration", "continuations", "Port requests", "failures", "deleted"], runs),
    table(["ok", "check", "found"], checks),
    report.ok ? "soak passed" : `soak FAILED: ${report.checks.filter((c) => !c.pass).length} check(s)`,
  ].join("\n\n");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
