import { describe, expect, it } from "vitest";
import { formatReport } from "./report.ts";
import { runSoak } from "./soak.ts";

/**
 * The soak at its CI size: ~2,000 entities through SQS (fauxqs) and DynamoDB (dynalite)
 * under the chaos, then a run with forced failures and a recovery run. The full
 * size is `npm run soak`.
 */
describe("soak (small)", () => {
  it("ends exact under chaos, deletes nothing when a run fails, and accounts for every failure", async () => {
    const report = await runSoak({
      entities: 2_000,
      // Seed 7: the first ingest crashes and the fourth batch is delivered twice, whatever the timing.
      seed: 7,
      chaos: { portRetryAfterSec: 0 },
      // A continuation every 2 s, or every 40 pages and partitions on a fast machine.
      invocationMs: 2_000,
      invocationReads: 40,
      ingestBatchSize: 5,
    });
    const failed = report.checks.filter((c) => !c.pass);
    expect(failed, formatReport(report)).toEqual([]);
    expect(report.entities).toBeGreaterThanOrEqual(1_900);
    // The chaos did happen.
    expect(report.portRetries).toBeGreaterThan(0);
    expect(report.crashes).toBeGreaterThan(0);
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.continuations).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
