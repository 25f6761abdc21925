import type { Jq } from "jq-wasm";
import type { Entity } from "../port/entity.ts";
import { assemble, type Outcome } from "./assemble.ts";
import { configSource } from "./config.ts";
import { ConfigError, type ConfigIssue, formatPath } from "./errors.ts";
import { compileProblem, jqEngine, PRELUDE, parseBatch, runBatch } from "./jq.ts";
import { type KeepPlan, neededPaths, trim } from "./needed-paths.ts";
import { buildProgram, expressionsOf, type ResourceProgram } from "./program.ts";
import { atMostOneOutput, isLiteral } from "./single-output.ts";
import type { PortAppConfig, ResourceConfig } from "./types.ts";

/** An entity the mapping produced, and the raw item (and itemsToParse element) it came from. */
export interface MappedEntity {
  entity: Entity;
  itemIndex: number;
  /** With `itemsToParse`: the element of the item's array. */
  elementIndex?: number;
}

/** An item that is not an entity: its identifier or blueprint came out empty (Ocean skips these too). */
export interface MapSkip {
  itemIndex: number;
  elementIndex?: number;
  /** The item's identifier, or its `full_name`/`name`/`id`, to find it by. */
  key?: string;
  reason: string;
}

/** An item that could not be mapped: the field whose jq failed or whose value Port would refuse. */
export interface MapFailure {
  itemIndex: number;
  elementIndex?: number;
  key?: string;
  /** e.g. `properties.url`, `selector.query`, `itemsToParse`, `relations.owner.rules[0].value`. */
  field: string;
  /** jq's own message, or what is wrong with the value. */
  message: string;
}

export interface MapResult {
  entities: MappedEntity[];
  /** Items (or elements) the selector said false to. */
  filtered: number;
  skipped: MapSkip[];
  failures: MapFailure[];
}

/** One resource's mapping, compiled once and reused for every batch. */
export interface ResourceMapper {
  readonly kind: string;
  readonly resourceIndex: number;
  /**
   * Maps a batch of raw items. One item's failure never fails the batch; every item ends up
   * as an entity (or several, with itemsToParse), filtered, skipped or failed.
   */
  map(items: readonly unknown[]): Promise<MapResult>;
}

// Items go to jq in chunks: few enough calls to amortise the fixed cost, and a bounded input.
const CHUNK_BYTES = 2 * 1024 * 1024;
const CHUNK_ITEMS = 5000;

interface Compiled {
  jq: Jq;
  program: ResourceProgram;
  /** What of each item the mapping can read; undefined when it may read anything. */
  keep: KeepPlan | undefined;
  /** Whether one batch has confirmed that trimmed items map exactly like whole ones. */
  verified: boolean;
}

const compiled = new Map<string, Promise<Compiled>>();
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
  const cacheKey = JSON.stringify(resource);
  let entry = compiled.get(cacheKey);
  if (!entry) {
    entry = compile(resource);
    compiled.set(cacheKey, entry);
    entry.catch(() => compiled.delete(cacheKey));
    if (compiled.size > MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
  }
  let state: Compiled;
  try {
    state = await entry;
  } catch (error) {
    if (!(error instanceof CompileFailure)) throw error;
    const issues: ConfigIssue[] = error.problems.map(({ path, message }) => {
      const full = ["resources", resourceIndex, ...path];
      return {
        path: formatPath(full),
        line: source.lineOf(full),
        message: `${message} (kind ${resource.kind})`,
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

class CompileFailure extends Error {
  readonly problems: Array<{ path: PropertyKey[]; message: string }>;
  constructor(problems: Array<{ path: PropertyKey[]; message: string }>) {
    super(problems.map((p) => p.message).join("; "));
    this.problems = problems;
  }
}

async function compile(resource: ResourceConfig): Promise<Compiled> {
  const jq = await jqEngine();
  const expressions = expressionsOf(resource);
  const problems = expressions.flatMap(({ path, expression }) => {
    const problem = compileProblem(jq, expression);
    return problem ? [{ path, message: `jq: ${problem}` }] : [];
  });
  if (problems.length > 0) throw new CompileFailure(problems);
  const program = buildProgram(resource, {
    constant: (e) => (isLiteral(e) ? { value: jq.first(null, `${PRELUDE}\n${e}`) ?? null } : undefined),
    atMostOne: atMostOneOutput,
  });
  const whole = jq.raw("", program.text, ["-c"]);
  if (whole.exitCode !== 0) {
    throw new CompileFailure([{ path: [], message: `the mapping does not compile: ${whole.stderr}` }]);
  }
  const keep = neededPaths(expressions.map((e) => e.expression));
  return { jq, program, keep, verified: false };
}

function mapItems(state: Compiled, items: readonly unknown[]): MapResult {
  const result: MapResult = { entities: [], filtered: 0, skipped: [], failures: [] };
  let texts: string[] = [];
  let indexes: number[] = [];
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    const text = serialize(items[i], state.keep);
    if (text === undefined) {
      result.failures.push({ itemIndex: i, field: "item", message: "the item is not JSON data" });
      continue;
    }
    texts.push(text);
    indexes.push(i);
    bytes += text.length;
    if (bytes >= CHUNK_BYTES || texts.length >= CHUNK_ITEMS) {
      mapChunk(state, items, texts, indexes, result);
      texts = [];
      indexes = [];
      bytes = 0;
    }
  }
  if (texts.length > 0) mapChunk(state, items, texts, indexes, result);
  return result;
}

function mapChunk(
  state: Compiled,
  items: readonly unknown[],
  texts: string[],
  indexes: number[],
  out: MapResult,
): void {
  const { jq, program } = state;
  let stdout = runBatch(jq, texts.join("\n"), program.text, texts.length);
  if (state.keep && !state.verified) {
    // Belt and braces for the path analysis: the first batch also runs on whole items, and a
    // difference turns trimming off for good (the whole-item results are the ones kept).
    const whole = indexes.map((i) => serialize(items[i], undefined));
    // An item that is JSON only once trimmed (a cycle in a part the mapping never reads)
    // cannot take part: verify with a later batch.
    if (whole.every((text) => text !== undefined)) {
      const wholeStdout = runBatch(jq, whole.join("\n"), program.text, texts.length);
      if (wholeStdout !== stdout) {
        state.keep = undefined;
        stdout = wholeStdout;
      }
      state.verified = true;
    }
  }
  const outputs = parseBatch(stdout);
  for (let n = 0; n < outputs.length; n++) {
    const itemIndex = indexes[n] as number;
    const item = items[itemIndex];
    const output = outputs[n];
    const nested = output as { p?: unknown[]; pe?: unknown; pn?: string };
    if (
      nested === null ||
      typeof nested !== "object" ||
      Array.isArray(nested) ||
      "f" in nested ||
      "s" in nested
    ) {
      record(out, assemble(output, program.shape, program.slots), itemIndex, item);
    } else if (nested.p) {
      for (const [elementIndex, result] of nested.p.entries()) {
        record(out, assemble(result, program.shape, program.slots), itemIndex, item, elementIndex);
      }
    } else if (nested.pe !== undefined) {
      const message = typeof nested.pe === "string" ? nested.pe : JSON.stringify(nested.pe);
      out.failures.push({ itemIndex, ...keyOf(item), field: "itemsToParse", message });
    } else if (nested.pn === "null") {
      out.skipped.push({ itemIndex, ...keyOf(item), reason: "itemsToParse is null" });
    } else {
      const message = `must return an array, got ${nested.pn === "object" ? "an object" : `a ${nested.pn}`}`;
      out.failures.push({ itemIndex, ...keyOf(item), field: "itemsToParse", message });
    }
  }
}

function record(
  out: MapResult,
  outcome: Outcome,
  itemIndex: number,
  item: unknown,
  elementIndex?: number,
): void {
  const at = elementIndex === undefined ? { itemIndex } : { itemIndex, elementIndex };
  if ("entity" in outcome) out.entities.push({ entity: outcome.entity, ...at });
  else if ("filtered" in outcome) out.filtered++;
  else {
    // Name the item by its mapped identifier when it got that far, else by its own fields.
    const own = itemKey(item);
    const key =
      outcome.key ?? (own !== undefined && elementIndex !== undefined ? `${own}[${elementIndex}]` : own);
    if ("skipped" in outcome)
      out.skipped.push({ ...at, ...(key === undefined ? {} : { key }), reason: outcome.skipped });
    else out.failures.push({ ...at, ...(key === undefined ? {} : { key }), ...outcome.failed });
  }
}

function keyOf(item: unknown): { key?: string } {
  const key = itemKey(item);
  return key === undefined ? {} : { key };
}

/** A human handle on a raw item for error reports: the first of the usual naming fields. */
function itemKey(item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const record = item as Record<string, unknown>;
  for (const name of ["full_name", "name", "key", "slug", "id", "identifier", "title"]) {
    const value = record[name];
    if ((typeof value === "string" && value !== "") || typeof value === "number") return String(value).slice(0, 200);
  }
  return undefined;
}

/** The item as JSON text for jq, trimmed to what the mapping reads; undefined if not JSON. */
function serialize(item: unknown, keep: KeepPlan | undefined): string | undefined {
  try {
    return JSON.stringify(keep ? trim(item, keep) : item);
  } catch {
    return undefined; // cycles, BigInt
  }
}
