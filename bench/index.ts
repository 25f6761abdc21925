/**
 * `npm run bench`: runs every benchmark module in sequence (so they do not compete for the
 * two cores) and prints one table. `npm run bench -- port mapping` runs only those.
 */
import type { BenchModule, BenchRow } from "./row.ts";

const modules: Record<string, () => Promise<BenchModule>> = {
  port: () => import("./port.ts"),
  mapping: () => import("./mapping.ts"),
  source: () => import("./source.ts"),
  e2e: () => import("./e2e.ts"),
  "e2e-sweep": () => import("./e2e-sweep.ts"),
  memory: () => import("./memory.ts"),
  bundle: () => import("./bundle.ts"),
  live: () => import("./live.ts"),
  cost: () => import("./cost.ts"),
  incremental: () => import("./incremental.ts"),
  mix: () => import("./e2e-mix.ts"),
  ratelimit: () => import("./ratelimit.ts"),
};

/** Run only when named: several whole resyncs, to choose settings rather than to check them. */
const onlyWhenNamed = new Set(["e2e-sweep"]);

const wanted = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, load] of Object.entries(modules)) {
  if (wanted.length > 0 ? !wanted.includes(name) : onlyWhenNamed.has(name)) continue;
  const mod = await load();
  rows.push(...(await mod.run()));
}

const header = ["group", "benchmark", "measured", "target", "ok"];
const lines = rows.map((r) => [
  r.group,
  r.name,
  r.value,
  r.target,
  r.pass === undefined ? "" : r.pass ? "yes" : "NO",
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
console.log(fmt(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const l of lines) console.log(fmt(l));
process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0;
