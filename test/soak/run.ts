/**
 * `npm run soak`: the full soak (≥ 20,000 entities under the chaos), a report table,
 * and a non-zero exit code when any check fails.
 *
 *   node test/soak/run.ts [--entities 20000] [--seed 1]
 */
import { parseArgs } from "node:util";
import { formatReport } from "./report.ts";
import { runSoak } from "./soak.ts";

const { values } = parseArgs({
  options: {
    entities: { type: "string", default: "20000" },
    seed: { type: "string", default: "1" },
  },
});
const entities = Number(values.entities);
const seed = Number(values.seed);
if (!Number.isInteger(entities) || entities < 1 || !Number.isInteger(seed)) {
  console.error("usage: node test/soak/run.ts [--entities N] [--seed N]");
  process.exit(2);
}

const started = Date.now();
const report = await runSoak({
  entities,
  seed,
  portTimeoutMs: 2_000,
  log: (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`),
});
console.log(formatReport(report));
// Sockets the fakes closed may leave timers behind: the verdict is the exit code.
process.exit(report.ok ? 0 : 1);
