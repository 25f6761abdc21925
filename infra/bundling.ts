import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Runtime, RuntimeFamily } from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";

/** Where the bundled mapping lands inside the function's package. */
export const BUNDLED_CONFIG_NAME = "port-app-config.yml";
export const BUNDLED_CONFIG_PATH = `/var/task/${BUNDLED_CONFIG_NAME}`;

/**
 * jq-wasm's Node build reads `join(dirname(import.meta.url), "build", "jq.wasm")` at run time.
 * Once esbuild inlines it, `import.meta.url` is the bundle's own URL, so the wasm must sit at
 * `build/jq.wasm` next to `index.mjs`.
 */
export const BUNDLED_JQ_WASM = "build/jq.wasm";

/** Where a source module (the `source` prop) lands, bundled on its own, inside the function's package. */
export const BUNDLED_SOURCE_NAME = "source.mjs";
export const BUNDLED_SOURCE_PATH = `/var/task/${BUNDLED_SOURCE_NAME}`;

/** This package's library entry: a bundled source module's `import "tide"` is this Tide. */
const TIDE_ENTRY = fileURLToPath(new URL("../lib/index.ts", import.meta.url));

/** nodejs24.x, built by hand on aws-cdk-lib versions that predate the constant. */
export const NODEJS_24: Runtime =
  (Runtime as { NODEJS_24_X?: Runtime }).NODEJS_24_X ??
  new Runtime("nodejs24.x", RuntimeFamily.NODEJS, { supportsInlineCode: true });

// ESM bundles have no `require`; CJS dependencies that call it get one bound to the bundle.
const REQUIRE_SHIM =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; " +
  "const require = topLevelCreateRequire(import.meta.url);";

/** The jq.wasm that the installed jq-wasm ships. */
export function jqWasmSource(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("jq-wasm/package.json")), "dist", "build", "jq.wasm");
}

/**
 * esbuild options shared by the fanout and the ingest: local esbuild (no Docker), ESM,
 * minified with source maps; the AWS SDK v3 stays external (the runtime has it), everything
 * else is bundled. After bundling, the mapping and jq.wasm are copied next to `index.mjs`.
 */
export function tideBundling(configFile: string, sourceModule?: string): BundlingOptions {
  const wasm = jqWasmSource();
  const require = createRequire(import.meta.url);
  const esbuild = join(dirname(require.resolve("esbuild/package.json")), "bin", "esbuild");
  // The source module is loaded at run time (TIDE_SOURCE_MODULE), so it is a bundle of its own.
  const bundleSource = (outputDir: string) =>
    sourceModule === undefined
      ? []
      : [
          [
            sh(esbuild),
            sh(sourceModule),
            "--bundle --platform=node --format=esm --target=node24 --minify",
            `--alias:tide=${sh(TIDE_ENTRY)}`,
            "--external:@aws-sdk/*",
            `--banner:js=${sh(REQUIRE_SHIM)}`,
            `--outfile=${sh(join(outputDir, BUNDLED_SOURCE_NAME))}`,
          ].join(" "),
        ];
  return {
    format: OutputFormat.ESM,
    mainFields: ["module", "main"],
    banner: REQUIRE_SHIM,
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    target: "node24",
    externalModules: ["@aws-sdk/*"],
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cp ${sh(configFile)} ${sh(join(outputDir, BUNDLED_CONFIG_NAME))}`,
        `mkdir -p ${sh(join(outputDir, dirname(BUNDLED_JQ_WASM)))}`,
        `cp ${sh(wasm)} ${sh(join(outputDir, BUNDLED_JQ_WASM))}`,
        ...bundleSource(outputDir),
      ],
    },
  };
}

/** Quotes a path for the POSIX shell that runs local bundling hooks. */
function sh(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}
