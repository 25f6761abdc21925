import { emptyResult, keyOf, type MappingState, mapChunk, merge, serialize } from "./batch.ts";
import { configSource } from "./config.ts";
import { ConfigError, type ConfigIssue, formatPath } from "./errors.ts";
import { compileProblem, JqRunError, jqEngine, PRELUDE } from "./jq.ts";
import { atMostOneOutput, isLiteral, plainPath } from "./optimiser/facts.ts";
import { neededPaths } from "./optimiser/needed-paths.ts";
import { fastPathEnabled } from "./optimiser/switch.ts";
import { prefixProblems, prepareResource } from "./prepare.ts";
import { buildProgram, expressionsOf } from "./program.ts";
import type { MapResult, PortAppConfig, ResourceConfig } from "./types.ts";

/** One resource's mapping, compiled once and reused for every batch. */
export interface ResourceMapper {
  readonly kind: string;
  readonly resourceIndex: number;
  /**
   * Maps a batch of raw items (a few thousand at a time is fine; memory is bounded by the
   * batch). One item's failure never fails the batch: every item ends up as an entity (or
   * several, with itemsToParse), filtered, skipped or failed, with its index. The first
   * batch a compiled mapping sees is also checked against plain jq on whole items.
   */
  map(items: readonly unknown[]): Promise<MapResult>;
}

// Items go to jq in chunks: few enough calls to amortise the fixed cost, and a bounded input.
const CHUNK_BYTES = 2 * 1024 * 1024;
const CHUNK_ITEMS = 5000;

const compiled = new Map<string, Promise<MappingState>>();
const MAX_CACHED = 64;

/**
 * Compiles resource `resourceIndex` of a config into a mapper. jq is compiled once per
 * distinct resource mapping and cached for the life of the process (a Lambda container).
 * Throws a {@link ConfigError} naming each expression that does not compile.
 *
 * @example
 * const mapper = await compileResource(config, 0);
 * const { entities, failures } = await mapper.map(repositories);
 */
export async function compileResource(config: PortAppConfig, resourceIndex: number): Promise<ResourceMapper> {
  const resource = config.resources[resourceIndex];
  const source = configSource(config);
  if (!resource) {
    throw new ConfigError(source.fileName, [
      {
        path: `resources[${resourceIndex}]`,
        message: `no such resource (the config has ${config.resources.length})`,
      },
    ]);
  }
  const fastPath = fastPathEnabled();
  const cacheKey = `${fastPath}:${JSON.stringify(resource)}`;
  let entry = compiled.get(cacheKey);
  if (!entry) {
    entry = compile(resource, fastPath);
    compiled.set(cacheKey, entry);
    entry.catch(() => compiled.delete(cacheKey));
    if (compiled.size > MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
  }
  let state: MappingState;
  try {
    state = await entry;
  } catch (error) {
    if (!(error instanceof CompileFailure)) throw error;
    const issues: ConfigIssue[] = error.problems.map(({ path, message, jq = true }) => {
      const full = ["resources", resourceIndex, ...path];
      return {
        path: formatPath(full),
        line: source.lineOf(full),
        message: jq ? `jq (kind ${resource.kind}): ${message}` : message,
      };
    });
    throw new ConfigError(source.fileName, issues);
  }
  return {
    kind: resource.kind,
    resourceIndex,
    map: async (items) => mapItems(state, items),
  };
}

/**
 * Compiles every resource of a config, reporting every jq problem of every resource at once.
 *
 * @example
 * const mappers = await compileConfig(await loadConfigFile("port-app-config.yml"));
 */
export async function compileConfig(config: PortAppConfig): Promise<ResourceMapper[]> {
  const results = await Promise.allSettled(config.resources.map((_, i) => compileResource(config, i)));
  const issues = results.flatMap((r) =>
    r.status === "rejected" && r.reason instanceof ConfigError ? r.reason.issues : [],
  );
  if (issues.length > 0) throw new ConfigError(configSource(config).fileName, issues);
  return results.map((r) => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
  });
}

/** A problem found while compiling; `jq: false` when it is not jq's (a value prefix). */
interface CompileProblem {
  path: PropertyKey[];
  message: string;
  jq?: boolean;
}

class CompileFailure extends Error {
  readonly problems: CompileProblem[];
  constructor(problems: CompileProblem[]) {
    super(problems.map((p) => p.message).join("; "));
    this.problems = problems;
  }
}

async function compile(written: ResourceConfig, fastPath: boolean): Promise<MappingState> {
  const jq = await jqEngine();
  const prefixed = prefixProblems(written).map((p) => ({ ...p, jq: false }));
  const unprefixed = new Set(prefixed.map((p) => JSON.stringify(p.path)));
  // Every expression as jq sees it (Ocean's quotes, file:// values); the paths stay the config's.
  const resource = prepareResource(written);
  const expressions = expressionsOf(resource);
  const problems: CompileProblem[] = [
    ...prefixed,
    ...expressions.flatMap(({ path, expression }) => {
      if (unprefixed.has(JSON.stringify(path))) return [];
      const problem = compileProblem(jq, expression);
      return problem ? [{ path, message: problem }] : [];
    }),
  ];
  if (problems.length > 0) throw new CompileFailure(problems);
  const program = buildProgram(resource, {
    constant: (e) => (isLiteral(e) ? { value: jq.first(null, `${PRELUDE}\n${e}`) ?? null } : undefined),
    atMostOne: atMostOneOutput,
    plainPath,
  });
  for (const text of [program.fast, program.slow]) {
    const { exitCode, stderr } = jq.raw("", text, ["-c"]);
    if (exitCode !== 0) {
      throw new CompileFailure([{ path: [], message: `the mapping does not compile: ${stderr}` }]);
    }
  }
  // What jq must see of an item: the fast program has no constants, nor the paths JavaScript reads.
  const inJq = program.slots.filter((s) => s.position !== undefined).map((s) => s.expression);
  const { query } = resource.selector;
  const { itemsToParse } = resource.port;
  const fallbacks: string[] = [];
  const whole = (reason: string) => fallbacks.push(`items go to jq whole (${reason})`);
  const fastKeep = fastPath
    ? neededPaths(itemsToParse === undefined ? [query, ...inJq] : [query, itemsToParse, ...inJq], whole)
    : undefined;
  return {
    jq,
    program,
    fastKeep,
    slowKeep: neededPaths(expressions.map((e) => e.expression)),
    mode: fastPath ? "unverified" : "plain",
    fallbacks,
  };
}

/**
 * Maps a chunk; when jq refuses the chunk's input (an item jq cannot read, such as a string
 * ending in a lone surrogate "\ud83d"), maps its halves apart until the items at fault are
 * alone, and fails only those: one bad item never fails the items around it.
 */
function mapIsolating(
  state: MappingState,
  items: readonly unknown[],
  indexes: number[],
  texts: string[],
  out: MapResult,
): void {
  const part = emptyResult();
  try {
    mapChunk(state, items, indexes, texts, part);
    merge(out, part);
    return;
  } catch (error) {
    if (!(error instanceof JqRunError)) throw error;
    if (indexes.length === 1) {
      const reason = error.stderr.replace(/^jq: (error|parse error): /, "").trim() || error.message;
      out.failures.push({
        itemIndex: indexes[0] as number,
        ...keyOf(items[indexes[0] as number]),
        field: "item",
        message: `jq cannot read the item: ${reason}`,
      });
      return;
    }
  }
  const half = Math.ceil(indexes.length / 2);
  mapIsolating(state, items, indexes.slice(0, half), texts.slice(0, half), out);
  mapIsolating(state, items, indexes.slice(half), texts.slice(half), out);
}

function mapItems(state: MappingState, items: readonly unknown[]): MapResult {
  const result = emptyResult();
  let texts: string[] = [];
  let indexes: number[] = [];
  let bytes = 0;
  const flush = () => {
    mapIsolating(state, items, indexes, texts, result);
    texts = [];
    indexes = [];
    bytes = 0;
  };
  for (let i = 0; i < items.length; i++) {
    const text = serialize(items[i], state.fastKeep);
    if (text === undefined) {
      result.failures.push({ itemIndex: i, field: "item", message: "the item is not JSON data" });
      continue;
    }
    texts.push(text);
    indexes.push(i);
    bytes += text.length;
    if (bytes >= CHUNK_BYTES || texts.length >= CHUNK_ITEMS) flush();
  }
  if (texts.length > 0) flush();
  result.failures.sort((a, b) => a.itemIndex - b.itemIndex);
  // Reported once per compiled mapping (per process): the ingest logs and counts them.
  if (state.fallbacks.length > 0) result.fastPathFallbacks = state.fallbacks.splice(0);
  return result;
}
