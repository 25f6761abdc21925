/**
 * `npm run bench -- memory`: the fanout's peak RSS while it enumerates 100,000 and then
 * 1,000,000 pull requests (100 a page, one page per repository) with the real GitHub source
 * over HTTP, each run in a fresh process running `bench/memory-child.ts` bundled by esbuild,
 * as the fanout Lambda is, and started as Lambda's runtime starts it at the stack's memory
 * size: through the stack's exec wrapper, with the runtime's heap flags and the stack's
 * NODE_OPTIONS (infra/heap.ts). The GitHub-shaped server runs in this process, so none of its
 * memory is counted; the child's queue counts bytes and drops messages.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLED_JQ_WASM, jqWasmSource } from "../infra/bundling.ts";
import { memoryEnvironment, writeHeapWrapper } from "../infra/heap.ts";
import { TIDE_DEFAULTS } from "../infra/props.ts";
import { DEFAULT_FANOUT_OPTIONS } from "../lib/pipeline/fanout.ts";
import { benchConfig } from "./e2e-world.ts";
import type { MemoryChildResult } from "./memory-child.ts";
import type { BenchRow } from "./row.ts";
import { PULLS_PER_PAGE, startStaticGitHub } from "./static-github.ts";

/** The fanout's default (`TIDE_PARTITION_CONCURRENCY` unset), as deployed. */
const PARTITIONS = DEFAULT_FANOUT_OPTIONS.partitionConcurrency;
const FEWER_PARTITIONS = 4;
const LIMIT_MB = 150;
/** The fanout's memory size as the stack deploys it by default. */
const MEMORY_MB = TIDE_DEFAULTS.fanoutMemorySize;

/** How Lambda's Node.js runtime starts node: heap flags from the memory size, on the command line. */
function runtimeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    "--expose-gc",
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/** The child as Lambda starts the fanout: with the stack's wrapper and environment, or the runtime's alone. */
interface Launch {
  wrapper?: string;
  env: Record<string, string>;
}
/** Peak RSS may differ this much between 100k and 1M items and still count as flat. */
const FLAT_MB = 16;
/** ESM bundles have no `require`; CJS dependencies that call it get one (as infra/bundling.ts does). */
const REQUIRE_SHIM =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; " +
  "const require = topLevelCreateRequire(import.meta.url);";

async function bundleChild(dir: string): Promise<string> {
  const outfile = join(dir, "memory-child.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("./memory-child.ts", import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    minify: true,
    banner: { js: REQUIRE_SHIM },
    logLevel: "error",
  });
  // The fanout compiles the mapping's jq first; jq-wasm reads its wasm beside the bundle.
  await mkdir(join(dir, dirname(BUNDLED_JQ_WASM)), { recursive: true });
  await copyFile(jqWasmSource(), join(dir, BUNDLED_JQ_WASM));
  return outfile;
}

async function measure(
  script: string,
  config: string,
  repos: number,
  launch: Launch,
  partitions = PARTITIONS,
): Promise<MemoryChildResult> {
  const github = await startStaticGitHub(repos);
  try {
    const node = [process.execPath, ...runtimeFlags(MEMORY_MB), script];
    const [command, ...args] = launch.wrapper ? [launch.wrapper, ...node] : node;
    const child = spawn(command as string, args, {
      env: {
        ...process.env,
        ...launch.env,
        TIDE_BENCH_GITHUB_URL: github.url,
        TIDE_BENCH_GITHUB_TOKEN: github.token,
        TIDE_BENCH_GITHUB_ORG: github.org,
        TIDE_BENCH_PARTITIONS: String(partitions),
        TIDE_BENCH_CONFIG: config,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`bench/memory-child.ts exited with ${code}`);
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as MemoryChildResult;
    const expected = repos * PULLS_PER_PAGE;
    if (result.items !== expected)
      throw new Error(`the fanout sent ${result.items} items, expected ${expected}`);
    return result;
  } finally {
    await github.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "tide-bench-memory-"));
  const stack: Launch = { wrapper: writeHeapWrapper(dir), env: memoryEnvironment(MEMORY_MB) };
  // NODE_OPTIONS without heap flags, no wrapper: the runtime's own sizing.
  const runtimeOnly: Launch = { env: { NODE_OPTIONS: "--enable-source-maps" } };
  let small: MemoryChildResult;
  let large: MemoryChildResult;
  let runtime: MemoryChildResult;
  let fewer: MemoryChildResult;
  try {
    const script = await bundleChild(dir);
    const config = JSON.stringify(await benchConfig(["pull-request"]));
    // The long 1M run last; each result on stderr as it comes (the runs take minutes).
    const progress = (what: string, r: MemoryChildResult) => {
      console.error(
        `memory: ${what}: peak RSS ${r.peakSampledMB.toFixed(0)} MB (${r.baselineMB.toFixed(0)} before; ` +
          `V8 heap ${r.peakHeapMB.toFixed(0)}, buffers ${r.peakExternalMB.toFixed(0)}), ${(r.wallMs / 1000).toFixed(0)} s`,
      );
      return r;
    };
    small = progress("100k, as deployed", await measure(script, config, 1_000, stack));
    runtime = progress("100k, the runtime's flags", await measure(script, config, 1_000, runtimeOnly));
    fewer = progress("100k, 4 partitions", await measure(script, config, 1_000, stack, FEWER_PARTITIONS));
    large = progress("1M, as deployed", await measure(script, config, 10_000, stack));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const peakOf = (r: MemoryChildResult) => r.peakSampledMB;
  const describe = (r: MemoryChildResult) =>
    `${peakOf(r).toFixed(0)} MB (${r.baselineMB.toFixed(0)} before the fanout; peaks: V8 heap ` +
    `${r.peakHeapMB.toFixed(0)}, buffers ${r.peakExternalMB.toFixed(0)}; heap kept after ${r.retainedHeapMB.toFixed(0)}; ` +
    `${(r.messageBytes / 1024 ** 3).toFixed(2)} GiB in ${r.messages.toLocaleString("en")} messages, ${(r.wallMs / 1000).toFixed(1)} s)`;
  const growth = peakOf(large) - peakOf(small);
  const label = `fanout peak RSS at ${MEMORY_MB} MB as deployed (${PULLS_PER_PAGE} PRs a page over HTTP, ${PARTITIONS} partitions at once; NODE_OPTIONS ${stack.env.NODE_OPTIONS})`;
  return [
    {
      group: "memory",
      name: `${label}: 100,000 items`,
      value: describe(small),
      target: `≤ ${LIMIT_MB} MB`,
      pass: peakOf(small) <= LIMIT_MB,
    },
    {
      group: "memory",
      name: `${label}: 1,000,000 items`,
      value: describe(large),
      target: `≤ ${LIMIT_MB} MB`,
      pass: peakOf(large) <= LIMIT_MB,
    },
    {
      group: "memory",
      name: "peak RSS growth from 100k to 1M items",
      value: `${growth >= 0 ? "+" : ""}${growth.toFixed(0)} MB`,
      target: `flat (≤ +${FLAT_MB} MB)`,
      pass: growth <= FLAT_MB,
    },
    {
      group: "memory",
      name: `same as the first row with ${FEWER_PARTITIONS} partitions at once: each holds a page or two in memory`,
      value: describe(fewer),
      target: "",
    },
    {
      group: "memory",
      name: `same, 100,000 items, the runtime's own heap sizing for ${MEMORY_MB} MB (${runtimeFlags(MEMORY_MB).slice(1).join(" ")}), no wrapper`,
      value: describe(runtime),
      target: "",
    },
  ];
}

if (import.meta.main) console.table(await run());
