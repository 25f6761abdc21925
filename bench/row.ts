/** One line of the `npm run bench` table. */
export interface BenchRow {
  /** The section this row belongs to, e.g. "port", "mapping", "source", "end-to-end". */
  group: string;
  /** What was measured, e.g. "20,000 entities upserted at 50 ms latency". */
  name: string;
  /** The measured figure, formatted for people, e.g. "4.21 s" or "0.050 req/entity". */
  value: string;
  /** The target it is held to, e.g. "≤ 0.051 req/entity"; empty when informative only. */
  target: string;
  /** Whether the target was met; undefined when informative only. */
  pass?: boolean;
}

/** A benchmark module: `bench/<name>.ts` exports `run` returning its rows. */
export type BenchModule = { run(): Promise<BenchRow[]> };
