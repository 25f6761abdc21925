/**
 * `npm run bench -- bundle`: each Lambda bundled with esbuild exactly as the CDK stack
 * bundles it (`tideBundling` of infra/bundling.ts: ESM, minified, node24, source maps, the
 * AWS SDK external), its size, and its cold import time: a fresh `node` importing the
 * bundle, with the AWS SDK from node_modules (as the runtime provides it) and the stack's
 * `NODE_OPTIONS=--enable-source-maps`; median of 5.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { deflateRawSync } from "node:zlib";
import { type BuildOptions, build } from "esbuild";
import { BUNDLED_JQ_WASM, jqWasmSource, tideBundling } from "../infra/bundling.ts";
import type { BenchRow } from "./row.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FUNCTIONS = ["fanout", "ingest"] as const;
const RUNS = 5;

/** The esbuild options NodejsFunction derives from the stack's bundling options. */
function esbuildOptions(entry: string, outfile: string): BuildOptions {
  const b = tideBundling(join(ROOT, "lib/source/github/defaults/port-app-config.yml"));
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: b.format === "esm" ? "esm" : "cjs",
    mainFields: b.mainFields,
    banner: b.banner ? { js: b.banner } : undefined,
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    target: b.target,
    external: b.externalModules,
    logLevel: "error",
  };
}

/** Bytes of a file once deflated, as in the function's zip. */
async function zipped(path: string): Promise<number> {
  return deflateRawSync(await readFile(path)).length;
}

/** One fresh process importing the bundle: ms for the import alone, and for the whole process. */
function coldImport(file: string): Promise<{ importMs: number; processMs: number }> {
  const script =
    "const t = performance.now(); await import(process.env.TIDE_BENCH_BUNDLE); " +
    "process.stdout.write(String(performance.now() - t));";
  const started = performance.now();
  const child = spawn(process.execPath, ["--enable-source-maps", "--input-type=module", "-e", script], {
    env: {
      ...process.env,
      TIDE_BENCH_BUNDLE: pathToFileURL(file).href,
      AWS_REGION: "eu-west-1",
      POWERTOOLS_SERVICE_NAME: "tide-bench",
      POWERTOOLS_METRICS_NAMESPACE: "TideBench",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) =>
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`importing ${file} failed (exit ${code})`));
      else resolve({ importMs: Number(out), processMs: performance.now() - started });
    }),
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

export async function run(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "tide-bench-bundle-"));
  try {
    // The bundles resolve `@aws-sdk/*` from here, as the Lambda runtime provides them.
    await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const rows: BenchRow[] = [];
    for (const name of FUNCTIONS) {
      const out = join(dir, name);
      const outfile = join(out, "index.mjs");
      await build(esbuildOptions(join(ROOT, "functions", `${name}.ts`), outfile));
      // The stack's afterBundling hook puts jq.wasm where jq-wasm looks for it.
      await mkdir(join(out, dirname(BUNDLED_JQ_WASM)), { recursive: true });
      await copyFile(jqWasmSource(), join(out, BUNDLED_JQ_WASM));
      const files = [outfile, `${outfile}.map`, join(out, BUNDLED_JQ_WASM)];
      const [js, map, wasm] = await Promise.all(files.map(async (f) => (await stat(f)).size));
      const zip = (await Promise.all(files.map(zipped))).reduce((a, b) => a + b, 0);
      const runs: Array<{ importMs: number; processMs: number }> = [];
      for (let i = 0; i < RUNS; i++) runs.push(await coldImport(outfile));
      rows.push(
        {
          group: "bundle",
          name: `${name} Lambda: index.mjs (+ source map, jq.wasm; zipped package)`,
          value: `${kb(js ?? 0)} (+ ${kb(map ?? 0)}, ${kb(wasm ?? 0)}; ${kb(zip)} zipped)`,
          target: "",
        },
        {
          group: "bundle",
          name: `${name} Lambda: cold import in a fresh node (median of ${RUNS}; whole process incl. node start)`,
          value:
            `${median(runs.map((r) => r.importMs)).toFixed(0)} ms ` +
            `(${median(runs.map((r) => r.processMs)).toFixed(0)} ms)`,
          target: "",
        },
      );
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) console.table(await run());
