import { existsSync } from "node:fs";
import { createRequire, registerHooks } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TideError } from "../errors.ts";
import { defineSource, type SourceSpec } from "./define.ts";
import { isSourcePath } from "./reference.ts";
import { builtInSources } from "./registry.ts";
import type { SourceDefinition } from "./types.ts";

/** A `--source` / `TIDE_SOURCE_MODULE` module that cannot be loaded or does not export a source. */
export class SourceModuleError extends TideError {
  override readonly name = "SourceModuleError";
  readonly module: string;

  constructor(module: string, problem: string) {
    super(`source module ${module}: ${problem}`);
    this.module = module;
  }
}

/**
 * The source a reference names: a built-in (`github`, `http`), a module file
 * (`./my-source.mjs`, resolved against `cwd`) or an installed package (`@acme/tide-source-x`,
 * resolved from `cwd`). A module's default export (or its export named `source`) is the
 * definition `defineSource` returned.
 *
 * @example
 * const definition = await loadSource("./sources/users-api.mjs", process.cwd());
 * const source = definition.create(resolveSettings(definition, process.env));
 * @throws {SourceModuleError} naming the module and what is wrong with it.
 */
export async function loadSource(reference: string, cwd: string): Promise<SourceDefinition> {
  const builtIn = Object.hasOwn(builtInSources, reference) ? builtInSources[reference] : undefined;
  if (builtIn) return builtIn;
  resolveTideToThisTide();
  let url: string;
  if (isSourcePath(reference)) {
    url = pathToFileURL(resolve(cwd, reference)).href;
  } else {
    try {
      url = pathToFileURL(createRequire(join(cwd, "package.json")).resolve(reference)).href;
    } catch {
      throw new SourceModuleError(
        reference,
        `not a built-in source (${Object.keys(builtInSources).join(", ")}), a file, nor a package installed here`,
      );
    }
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const problem =
      code === "ERR_MODULE_NOT_FOUND" &&
      [fileURLToPath(url), url].some((missing) =>
        (error as Error).message.startsWith(`Cannot find module '${missing}'`),
      )
        ? "no such file"
        : `could not be imported: ${(error as Error).message}`;
    throw new SourceModuleError(reference, problem);
  }
  return asDefinition(reference, module.default ?? module.source);
}

/** The package's name, and the short name a module may import it by. */
const TIDE_SPECIFIERS = new Set(["tide-port", "tide"]);
let hooked = false;

/**
 * A source module's `import { defineSource } from "tide-port"` is this Tide, the one loading
 * it, wherever the module sits and whatever it has installed: one copy of the contract, as a
 * plugin host gives its plugins (in Lambda, esbuild's alias does the same at bundling).
 */
function resolveTideToThisTide(): void {
  if (hooked) return;
  hooked = true;
  const ts = fileURLToPath(new URL("../index.ts", import.meta.url));
  const entry = pathToFileURL(existsSync(ts) ? ts : ts.replace(/\.ts$/, ".js")).href;
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      TIDE_SPECIFIERS.has(specifier) ? { url: entry, shortCircuit: true } : nextResolve(specifier, context),
  });
}

function asDefinition(reference: string, value: unknown): SourceDefinition {
  const definition = value as Partial<SourceDefinition> | undefined;
  if (!definition || typeof definition !== "object")
    throw new SourceModuleError(reference, "has no default export (export default defineSource({...}))");
  // A module that does not import Tide may export defineSource's argument itself.
  if (typeof definition.create !== "function" && "kinds" in definition) {
    try {
      return defineSource(definition as unknown as SourceSpec);
    } catch (error) {
      throw new SourceModuleError(reference, (error as Error).message);
    }
  }
  if (typeof definition.name !== "string" || typeof definition.create !== "function")
    throw new SourceModuleError(
      reference,
      "its default export is not a source: build it with defineSource({ name, kinds })",
    );
  return { ...definition, settings: definition.settings ?? [] } as SourceDefinition;
}
