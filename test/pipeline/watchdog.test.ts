import { describe, expect, it } from "vitest";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import type { PortAppConfig } from "../../lib/mapping/index.ts";
import type { Catalog, RunStore } from "../../lib/pipeline/contracts/index.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";
import type { RunStatus } from "../../lib/pipeline/run.ts";
import { DEFAULT_STALL_BOUNDS, endStalledRun } from "../../lib/pipeline/watchdog.ts";
import { newRun } from "./run-store-contract.ts";

const config = { resources: [{ kind: "repository" }] } as unknown as PortAppConfig;
const MINUTE = 60_000;

async function started(status: "running" | "reconciling") {
  const store: RunStore = new MemoryRunStore();
  const told: Array<{ status: RunStatus }> = [];
  const catalog = {
    description: "test",
    reportResync: async (state: { status: RunStatus }) => void told.push(state),
  } as unknown as Catalog;
  await store.acquireLock("acme", "r1", { staleAfterMs: 20 * MINUTE, supersede: false });
  await store.createRun(newRun("r1"), config);
  if (status === "reconciling") await store.transition("r1", "running", "reconciling");
  return { store, told, deps: { store, catalog, log: silentLogger } };
}

describe("the watchdog", () => {
  it("ends a run that made no progress for 30 minutes: failed, with the reason, lock released, Port told", async () => {
    const { store, told, deps } = await started("running");
    expect(await endStalledRun(deps, "acme", DEFAULT_STALL_BOUNDS, Date.now() + 29 * MINUTE)).toBeUndefined();
    const ended = await endStalledRun(deps, "acme", DEFAULT_STALL_BOUNDS, Date.now() + 31 * MINUTE);
    expect(ended?.status).toBe("failed");
    expect(ended?.summary?.deletion).toMatchObject({
      performed: false,
      reason: expect.stringMatching(
        /^no progress since .* \(3[01] min, while running\): ended by the watchdog, nothing deleted$/,
      ),
    });
    expect(told.map((t) => t.status)).toEqual(["failed"]);
    expect(await store.acquireLock("acme", "r2", { staleAfterMs: 20 * MINUTE, supersede: false })).toEqual({
      acquired: true,
    });
    // Once ended, it stays ended.
    expect(await endStalledRun(deps, "acme", DEFAULT_STALL_BOUNDS, Date.now() + 60 * MINUTE)).toBeUndefined();
  });

  it("gives a reconciliation 5 minutes of silence (it beats a heartbeat), not 30", async () => {
    const { deps } = await started("reconciling");
    expect(await endStalledRun(deps, "acme", DEFAULT_STALL_BOUNDS, Date.now() + 4 * MINUTE)).toBeUndefined();
    const ended = await endStalledRun(deps, "acme", DEFAULT_STALL_BOUNDS, Date.now() + 6 * MINUTE);
    expect(ended?.status).toBe("failed");
    expect(ended?.summary?.deletion.reason).toMatch(/while reconciling/);
  });

  it("leaves a run that moves: progress pushes the bound back", async () => {
    const { store, deps } = await started("running");
    await store.registerBatch("r1", "0:-:0", 0);
    const run = await store.getRun("r1");
    expect(
      await endStalledRun(deps, "acme", DEFAULT_STALL_BOUNDS, (run?.progressAt ?? 0) + 29 * MINUTE),
    ).toBeUndefined();
  });
});
