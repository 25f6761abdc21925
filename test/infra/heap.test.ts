import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { writeHeapWrapper } from "../../infra/heap.ts";
import { synthTide } from "./synth.ts";

const run = promisify(execFile);
const s = synthTide(
  { tide: { fanoutMemorySize: 2048, ingestMemorySize: 512, liveEvents: true } },
  { bundle: false },
);
afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

const variablesOf = (construct: Parameters<typeof s.logicalId>[0]) => {
  const fn = s.template.findResources("AWS::Lambda::Function")[s.logicalId(construct)] as {
    Properties: { Environment: { Variables: Record<string, string> } };
  };
  return fn.Properties.Environment.Variables;
};

describe("V8's heap follows each function's memory size", () => {
  it("NODE_OPTIONS sizes the heap as V8 would on a machine with that memory: a quarter for the old space", () => {
    const { tide } = s.stack;
    const live = tide.liveEvents;
    if (!live) throw new Error("live events were asked for");
    expect(variablesOf(tide.fanout).NODE_OPTIONS).toBe(
      "--enable-source-maps --max-old-space-size=512 --max-semi-space-size=4",
    );
    expect(variablesOf(tide.ingest).NODE_OPTIONS).toBe(
      "--enable-source-maps --max-old-space-size=128 --max-semi-space-size=1",
    );
    for (const fn of [tide.fanout, tide.ingest, live.webhook, live.worker]) {
      expect(variablesOf(fn)).toMatchObject({
        AWS_LAMBDA_EXEC_WRAPPER: "/var/task/heap-wrapper.sh",
        MALLOC_ARENA_MAX: "2",
      });
    }
  });

  it("the wrapper drops the runtime's own heap flags, so NODE_OPTIONS's hold", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tide-heap-"));
    try {
      const wrapper = writeHeapWrapper(dir);
      const env = { ...process.env, NODE_OPTIONS: variablesOf(s.stack.tide.fanout).NODE_OPTIONS };
      const limitMb = ["-p", "v8.getHeapStatistics().heap_size_limit / 2 ** 20"];
      // As Lambda's runtime starts node at 2048 MB: its own heap flags on the command line.
      const runtime = [
        process.execPath,
        "--expose-gc",
        "--max-semi-space-size=102",
        "--max-old-space-size=1843",
      ];
      const [wrapped, bare, alone] = await Promise.all([
        run(wrapper, [...runtime, ...limitMb], { env }),
        run(runtime[0] as string, [...runtime.slice(1), ...limitMb], { env }),
        run(process.execPath, limitMb, { env }),
      ]);
      expect(Number(wrapped.stdout)).toBe(Number(alone.stdout));
      expect(Number(alone.stdout)).toBeGreaterThan(512);
      // Without the wrapper, the runtime's flags would win.
      expect(Number(bare.stdout)).toBeGreaterThan(1843);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
