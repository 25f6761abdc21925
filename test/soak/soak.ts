/**
 * The fault-injection soak: resyncs of a large GitHub org into Port through the deployed
 * shape (SQS, DynamoDB, Lambda handlers) while everything around them misbehaves, checked
 * against the source after each run.
 *
 * 1. **chaos**: a full resync under chaos must complete with the catalog exactly the source.
 * 2. **forced failures**: repositories are removed, and every other one gets a new pull
 *    request (so all of them are sent again); then Port starts refusing the `internal` ones
 *    for good (someone narrowed the blueprint's enum) and GitHub refuses one repository's
 *    issues: the run must fail, delete nothing, and account for every failure with its reason.
 * 3. **recovery**: with the faults fixed, the next run deletes exactly what left the source.
 *
 * @example
 * const report = await runSoak({ entities: 2_000, seed: 1 });
 * if (!report.ok) console.error(report.checks.filter((c) => !c.pass));
 */
import type { Logger } from "../../lib/pipeline/logger.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import { seededRandom } from "../fakes/port/faults.ts";
import { BLUEPRINTS, startWorld, type World } from "../support/world.ts";
import { type Check, checkAccounting, checkCatalog, checkNothingDeleted, phaseDigest } from "./checks.ts";
import { type Deployed, type DeployedStats, startDeployed } from "./deployed.ts";
import { actualCatalog, countEntities, expectedCatalog, itemsByKind } from "./truth.ts";

export type { Check } from "./checks.ts";

export interface Chaos {
  /** Port: share of requests answered 500/502/503/504. */
  portErrorRate: number;
  /** Port: share answered 429 (with `Retry-After: portRetryAfterSec`). */
  portRateLimitedRate: number;
  portRetryAfterSec: number;
  /** Port: share whose connection is reset (half of them after the write took effect). */
  portResetRate: number;
  /** Port: share answered only after the client's timeout. */
  portSlowRate: number;
  /** GitHub: share of requests answered 502. */
  githubServerErrorRate: number;
  /** GitHub: share answered with a secondary rate limit (403 + `retry-after: 1`). */
  githubSecondaryLimitRate: number;
  /** SQS: share of batches delivered twice at once. */
  duplicateRate: number;
  /** Ingest: share of upserts after which the ingest crashes before recording them. */
  crashRate: number;
}

export const ISSUE_CHAOS: Chaos = {
  portErrorRate: 0.1,
  portRateLimitedRate: 0.05,
  portRetryAfterSec: 1,
  portResetRate: 0.02,
  portSlowRate: 0.01,
  githubServerErrorRate: 0.05,
  githubSecondaryLimitRate: 0.01,
  duplicateRate: 0.05,
  crashRate: 0.02,
};

export interface SoakOptions {
  /** About how many entities the source holds (the org is sized to it; the report gives the exact count). */
  entities: number;
  seed?: number;
  chaos?: Partial<Chaos>;
  /** How long each fanout invocation runs before it continues in a new one. Default 3 s. */
  invocationMs?: number;
  /** And at most this many pages and partitions per invocation (default: no limit). */
  invocationReads?: number;
  /** The Port client's timeout; slow responses take twice as long. Default 1 s. */
  portTimeoutMs?: number;
  /** Concurrent ingest invocations (default 4), and messages per invocation (Lambda's `batchSize`, default 10). */
  ingestConcurrency?: number;
  ingestBatchSize?: number;
  /** Longest a run may take before the soak gives up on it. */
  runTimeoutMs?: number;
  /** The handlers' logger, to see inside a failing soak (default: silent). */
  logger?: Logger;
  /** Progress lines, e.g. `console.error`. */
  log?: (line: string) => void;
}

/** One run of the soak, as the report shows it. */
export interface PhaseReport {
  phase: string;
  status: string;
  durationMs: number;
  continuations: number;
  failures: number;
  deleted: number;
  portRequests: number;
}

export interface SoakReport {
  seed: number;
  /** Entities in the source at the start, and per blueprint. */
  entities: number;
  perBlueprint: Record<string, number>;
  phases: PhaseReport[];
  /** Requests Port (the emulator) received, faults included. */
  portRequests: number;
  /** Requests the Port client sent again after a fault. */
  portRetries: number;
  githubRequests: number;
  /** Ingest invocations, fanout invocations (continuations included). */
  ingestInvocations: number;
  fanoutInvocations: number;
  duplicates: number;
  crashes: number;
  continuations: number;
  durationMs: number;
  checks: Check[];
  ok: boolean;
}

/**
 * The org's shape: one repository in ten is busy (260 pull requests, three pages of them, so
 * partitions resume mid-way after a continuation), the others have 30; each has 10 issues.
 * About 60% of pull requests and 70% of issues are open: ~40 entities per repository.
 */
const pullsPerRepo = (index: number) => (index % 10 === 0 ? 260 : 30);
const ISSUES_PER_REPO = 10;
const ENTITIES_PER_REPO = 1 + 0.6 * ((260 + 9 * 30) / 10) + 0.7 * ISSUES_PER_REPO;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? 1;
  const chaos = { ...ISSUE_CHAOS, ...options.chaos };
  const log = options.log ?? (() => {});
  const portTimeoutMs = options.portTimeoutMs ?? 1_000;
  const started = Date.now();
  const world = await startWorld({
    github: {
      repos: Math.max(4, Math.round(options.entities / ENTITIES_PER_REPO)),
      pullsPerRepo,
      issuesPerRepo: ISSUES_PER_REPO,
      teams: 12,
      seed,
      rateLimit: { limit: 10_000_000 },
    },
    port: { seed },
  });
  let deployed: Deployed | undefined;
  try {
    deployed = await startDeployed(world, {
      portTimeoutMs,
      invocationMs: options.invocationMs ?? 3_000,
      invocationReads: options.invocationReads,
      duplicateRate: chaos.duplicateRate,
      crashRate: chaos.crashRate,
      maxReceiveCount: 5,
      ingestConcurrency: options.ingestConcurrency ?? 4,
      ingestBatchSize: options.ingestBatchSize ?? 10,
      random: { crash: seededRandom(seed * 101 + 1), duplicate: seededRandom(seed * 101 + 2) },
      logger: options.logger,
    });
    setChaos(world, chaos, portTimeoutMs);
    const initial = expectedCatalog(world.github.org);
    const report: SoakReport = {
      seed,
      entities: countEntities(initial),
      perBlueprint: Object.fromEntries(Object.entries(initial).map(([bp, m]) => [bp, m.size])),
      phases: [],
      portRequests: 0,
      portRetries: 0,
      githubRequests: 0,
      ingestInvocations: 0,
      fanoutInvocations: 0,
      duplicates: 0,
      crashes: 0,
      continuations: 0,
      durationMs: 0,
      checks: [],
      ok: false,
    };
    log(`soak: ${report.entities} entities (${JSON.stringify(report.perBlueprint)}), seed ${seed}`);
    const timeout = options.runTimeoutMs ?? 600_000;
    const phase = async (name: string): Promise<RunRecord> => {
      const requests = world.port.requestCount();
      const run = await (deployed as Deployed).resync({}, timeout);
      await settled(world, portTimeoutMs * 3);
      const digest = phaseDigest(name, run, world.port.requestCount() - requests);
      report.phases.push(digest);
      log(`soak: ${name}: ${digest.status} in ${(digest.durationMs / 1000).toFixed(1)} s`);
      return run;
    };

    // 1. Chaos: the catalog ends exactly the source.
    const first = await phase("chaos");
    report.checks.push(
      { name: "chaos: run completed", pass: first.status === "completed", detail: first.status },
      checkCatalog("chaos", world),
      ...checkAccounting("chaos", first, { items: itemsByKind(initial), failures: {} }),
    );

    // 2. Forced failures: the run fails, deletes nothing, and says why for each failure.
    const before = actualCatalog(world.port);
    const { org } = world.github;
    org.removeRepos(Math.max(2, Math.round(org.repoNames().length / 20)));
    // A busy day: a new pull request in every repository (so every repository changes too).
    for (const repo of org.repoNames()) org.addPulls(repo, 1);
    for (const repo of org.repoNames().slice(0, 5)) {
      const pr = org.pulls(repo, "open")[1];
      if (pr) org.updatePull(repo, pr.number as number, { title: `changed during the soak (${repo})` });
    }
    // Every repository is sent again (it changed), and Port now refuses the internal ones.
    const refused = org.repos().filter((r) => r.visibility === "internal").length;
    restrictVisibility(world, ["public", "private"]);
    const forbidden = org.repoNames()[1] as string;
    // Not retryable (no `retry-after`). Twice, as GitHub would answer both requests of the
    // partition: the conditional one (its memo's If-None-Match), then the listing itself.
    world.github.inject({
      status: 403,
      match: new RegExp(`/${forbidden}/issues$`),
      times: 2,
      message: "Resource not accessible by integration",
    });
    const items = itemsByKind(expectedCatalog(org));
    // The forbidden repository's issues are never listed: its partition counts as one failure instead.
    items.issue = (items.issue ?? 0) - org.issues(forbidden, "open").filter((i) => !i.pull_request).length;
    const failed = await phase("forced failures");
    report.checks.push(
      { name: "forced failures: run failed", pass: failed.status === "failed", detail: failed.status },
      checkNothingDeleted("forced failures", before, actualCatalog(world.port), failed),
      ...checkAccounting("forced failures", failed, {
        items,
        failures: { repository: refused, issue: 1 },
        partitionFailures: { issue: 1 },
      }),
    );

    // 3. Recovery: faults fixed, the stale entities go and the catalog is exact again.
    restrictVisibility(world, ["public", "private", "internal"]);
    const last = await phase("recovery");
    report.checks.push(
      { name: "recovery: run completed", pass: last.status === "completed", detail: last.status },
      checkCatalog("recovery", world),
      ...checkAccounting("recovery", last, { items: itemsByKind(expectedCatalog(org)), failures: {} }),
    );

    const stats: DeployedStats = deployed.stats;
    Object.assign(report, {
      portRequests: world.port.requestCount(),
      portRetries: deployed.client.stats.retries,
      githubRequests: world.github.stats.requests,
      ingestInvocations: stats.ingestInvocations,
      fanoutInvocations: stats.fanoutInvocations,
      duplicates: stats.duplicates,
      crashes: stats.crashes,
      continuations: report.phases.reduce((n, p) => n + p.continuations, 0),
      durationMs: Date.now() - started,
      ok: report.checks.every((c) => c.pass),
    });
    return report;
  } finally {
    await deployed?.close();
    await world.close();
  }
}

/**
 * Waits until Port has answered every request it received: a slow request the client gave up
 * on is still carried out when Port gets to it, and must not land after the source changed.
 */
async function settled(world: World, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (world.port.state.log.some((r) => r.status === 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function setChaos(world: World, chaos: Chaos, portTimeoutMs: number): void {
  Object.assign(world.port.faults, {
    errorRate: chaos.portErrorRate,
    rateLimitedRate: chaos.portRateLimitedRate,
    retryAfterSec: chaos.portRetryAfterSec,
    resetRate: chaos.portResetRate,
    slowRate: chaos.portSlowRate,
    slowMs: portTimeoutMs * 2,
  });
  world.github.serverErrorRate = chaos.githubServerErrorRate;
  world.github.secondaryLimitRate = chaos.githubSecondaryLimitRate;
}

/** Someone narrows the repository blueprint's `visibility` enum in Port: those repositories now get 422. */
function restrictVisibility(world: World, allowed: string[]): void {
  const blueprint = world.port.state.store.blueprints.get(BLUEPRINTS.repository);
  const visibility = blueprint?.schema.properties.visibility;
  if (!visibility) throw new Error("soak: the repository blueprint has no visibility property");
  visibility.enum = allowed;
}
