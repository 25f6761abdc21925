import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DockerImage } from "aws-cdk-lib";
import {
  Code,
  type FunctionOptions,
  Function as LambdaFunction,
  Runtime,
  RuntimeFamily,
} from "aws-cdk-lib/aws-lambda";
import {
  type BundlingOptions,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from "aws-cdk-lib/aws-lambda-nodejs";
import type { Construct } from "constructs";
import { HEAP_WRAPPER_NAME, writeHeapWrapper } from "./heap.ts";

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

/**
 * This package's library entry: a bundled source module's `import "tide"` is this Tide
 * (lib/index.ts in a clone, the compiled lib/index.js in the installed package).
 */
function tideEntry(): string {
  const source = fileURLToPath(new URL("../lib/index.ts", import.meta.url));
  return existsSync(source) ? source : source.replace(/\.ts$/, ".js");
}

/** Every Lambda entry point in functions/: each is prebuilt into the package as dist/lambda/<name>/. */
export const TIDE_FUNCTIONS = ["fanout", "ingest", "webhook", "events"] as const;
export type TideFunctionName = (typeof TIDE_FUNCTIONS)[number];

/** nodejs24.x, built by hand on aws-cdk-lib versions that predate the constant. */
export const NODEJS_24: Runtime =
  (Runtime as { NODEJS_24_X?: Runtime }).NODEJS_24_X ??
  new Runtime("nodejs24.x", RuntimeFamily.NODEJS, { supportsInlineCode: true });

/**
 * The esbuild options of every Tide bundle, shared by CDK's bundling from source (a clone) and
 * the package build that prebuilds dist/lambda (so both produce the same code): ESM, minified,
 * with source maps; the AWS SDK v3 stays external (the runtime has it), everything else is
 * bundled. ESM bundles have no `require`; CJS dependencies that call it get one bound to the bundle.
 */
export const LAMBDA_ESBUILD = {
  format: "esm",
  platform: "node",
  target: "node24",
  mainFields: ["module", "main"],
  banner:
    "import { createRequire as topLevelCreateRequire } from 'node:module'; " +
    "const require = topLevelCreateRequire(import.meta.url);",
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: ["@aws-sdk/*"],
} as const;

/** The jq.wasm that the installed jq-wasm ships. */
export function jqWasmSource(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("jq-wasm/package.json")), "dist", "build", "jq.wasm");
}

/**
 * The entry point of a Tide function: functions/<name>.ts in a clone, the compiled
 * functions/<name>.js in the installed package (which ships no TypeScript sources).
 */
export function defaultEntry(name: TideFunctionName): string {
  const source = fileURLToPath(new URL(`../functions/${name}.ts`, import.meta.url));
  return existsSync(source) ? source : source.replace(/\.ts$/, ".js");
}

/** The bundle the package ships for a function (dist/lambda/<name>/), or undefined in a clone. */
export function prebuiltBundle(name: TideFunctionName): string | undefined {
  const dir = fileURLToPath(new URL(`../lambda/${name}/`, import.meta.url));
  return existsSync(join(dir, "index.mjs")) ? dir : undefined;
}

let heapWrapper: string | undefined;

/**
 * CDK bundling options for {@link NodejsFunction} from source: local esbuild (no Docker), then the
 * mapping, jq.wasm and the heap wrapper (infra/heap.ts) are copied next to `index.mjs`.
 */
export function tideBundling(configFile: string, sourceModule?: string): BundlingOptions {
  const wasm = jqWasmSource();
  // Bundling runs shell commands: the wrapper is written once a process, then copied with its mode.
  heapWrapper ??= writeHeapWrapper(mkdtempSync(join(tmpdir(), "tide-heap-wrapper-")));
  const wrapper = heapWrapper;
  return {
    format: OutputFormat.ESM,
    mainFields: [...LAMBDA_ESBUILD.mainFields],
    banner: LAMBDA_ESBUILD.banner,
    minify: LAMBDA_ESBUILD.minify,
    sourceMap: LAMBDA_ESBUILD.sourcemap,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: LAMBDA_ESBUILD.sourcesContent,
    target: LAMBDA_ESBUILD.target,
    externalModules: [...LAMBDA_ESBUILD.external],
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cp ${sh(configFile)} ${sh(join(outputDir, BUNDLED_CONFIG_NAME))}`,
        `mkdir -p ${sh(join(outputDir, dirname(BUNDLED_JQ_WASM)))}`,
        `cp ${sh(wasm)} ${sh(join(outputDir, BUNDLED_JQ_WASM))}`,
        `cp -p ${sh(wrapper)} ${sh(join(outputDir, HEAP_WRAPPER_NAME))}`,
        ...(sourceModule === undefined ? [] : [sourceBundleCommand(sourceModule, outputDir)]),
      ],
    },
  };
}

/**
 * The source module is loaded at run time (TIDE_SOURCE_MODULE), so it is a bundle of its own
 * beside the function's, its `import "tide-port"` resolved to this Tide. Bundling a user's module
 * needs esbuild, from source and from the package alike (the package cannot prebuild it).
 */
function sourceBundleArgs(sourceModule: string, outputDir: string): string[] {
  return [
    sourceModule,
    "--bundle",
    "--platform=node",
    "--format=esm",
    "--target=node24",
    "--minify",
    `--alias:tide-port=${tideEntry()}`,
    `--alias:tide=${tideEntry()}`,
    "--external:@aws-sdk/*",
    `--banner:js=${LAMBDA_ESBUILD.banner}`,
    `--outfile=${join(outputDir, BUNDLED_SOURCE_NAME)}`,
  ];
}

function esbuildBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("esbuild/package.json")), "bin", "esbuild");
}

function sourceBundleCommand(sourceModule: string, outputDir: string): string {
  return [esbuildBin(), ...sourceBundleArgs(sourceModule, outputDir)].map(sh).join(" ");
}

export interface TideFunctionProps extends FunctionOptions {
  readonly function: TideFunctionName;
  /** The entry point; when it is the function's default and the package ships its bundle, that bundle is used. */
  readonly entry: string;
  /** The mapping copied next to `index.mjs`. */
  readonly configFile: string;
  readonly bundling: BundlingOptions;
  /** A source module (the `source` prop), bundled as `source.mjs` beside the function's bundle. */
  readonly sourceModule?: string;
}

/**
 * One Tide function (Node.js 24). From the installed package, its prebuilt bundle plus the mapping: `cdk synth`
 * needs neither esbuild nor Docker. In a clone, or with a custom entry, bundled from source by
 * {@link NodejsFunction} with {@link tideBundling}.
 *
 * @example
 * const fanout = tideFunction(this, "Fanout", { function: "fanout", entry, configFile, bundling });
 */
export function tideFunction(scope: Construct, id: string, props: TideFunctionProps): LambdaFunction {
  const { function: name, entry, configFile, bundling, sourceModule, ...options } = props;
  const prebuilt = entry === defaultEntry(name) ? prebuiltBundle(name) : undefined;
  if (!prebuilt) {
    return new NodejsFunction(scope, id, {
      ...options,
      runtime: NODEJS_24,
      entry,
      handler: "handler",
      bundling,
    });
  }
  const code = Code.fromAsset(prebuilt, {
    bundling: {
      // Required by the type, never pulled: the local step below always succeeds.
      image: DockerImage.fromRegistry("tide-prebuilt-needs-no-docker"),
      local: {
        tryBundle(outputDir: string): boolean {
          cpSync(prebuilt, outputDir, { recursive: true });
          copyFileSync(configFile, join(outputDir, BUNDLED_CONFIG_NAME));
          writeHeapWrapper(outputDir);
          if (sourceModule !== undefined) {
            execFileSync(esbuildBin(), sourceBundleArgs(sourceModule, outputDir), { stdio: "inherit" });
          }
          return true;
        },
      },
    },
  });
  return new LambdaFunction(scope, id, {
    ...options,
    runtime: NODEJS_24,
    code,
    handler: "index.handler",
  });
}

/** Quotes a path for the POSIX shell that runs local bundling hooks. */
function sh(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}
