// `npm run build`: the package users install. JavaScript with declaration files in dist/ (tsc,
// file by file, so `import.meta.url` paths to the bundled mappings stay valid), and one prebuilt
// Lambda bundle per function in dist/lambda/<name>/ so a consumer's `cdk synth` needs neither
// esbuild nor Docker. Run with the Node 24 devDependency: `npm run build`.
import { execFileSync } from "node:child_process";
import { cpSync, globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLED_JQ_WASM, jqWasmSource, LAMBDA_ESBUILD, TIDE_FUNCTIONS } from "../infra/bundling.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const started = performance.now();

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});

// Files read at run time next to the code (mappings, examples).
for (const file of globSync("lib/**/*.yml", { cwd: root })) {
  mkdirSync(dirname(join(dist, file)), { recursive: true });
  cpSync(join(root, file), join(dist, file));
}

// tsc copies package.json (imported for the version) to dist/; keep only what that import reads, so
// that dist/ is no second package for Node or npm.
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
writeFileSync(join(dist, "package.json"), `${JSON.stringify({ type: "module", version }, null, 2)}\n`);

await Promise.all(
  TIDE_FUNCTIONS.map(async (name) => {
    const outdir = join(dist, "lambda", name);
    await build({
      ...LAMBDA_ESBUILD,
      mainFields: [...LAMBDA_ESBUILD.mainFields],
      external: [...LAMBDA_ESBUILD.external],
      banner: { js: LAMBDA_ESBUILD.banner },
      entryPoints: [join(root, "functions", `${name}.ts`)],
      bundle: true,
      outfile: join(outdir, "index.mjs"),
      logLevel: "warning",
    });
    mkdirSync(dirname(join(outdir, BUNDLED_JQ_WASM)), { recursive: true });
    cpSync(jqWasmSource(), join(outdir, BUNDLED_JQ_WASM));
  }),
);
console.log(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
