import { readFile } from "node:fs/promises";
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue, formatIssue, formatPath } from "./errors.ts";
import { portAppConfigSchema } from "./schema.ts";
import type { PortAppConfig } from "./types.ts";
import { unknownKeys } from "./unknown-keys.ts";

/** Where a loaded config came from, so that later problems (jq compile errors) can name a line. */
export interface ConfigSource {
  fileName: string;
  /** The line of a config path such as `["resources", 0, "port"]`, when the config was read from text. */
  lineOf(path: ReadonlyArray<PropertyKey>): number | undefined;
}

// Kept beside the config rather than in it, so that the config stays plain JSON data.
const sources = new WeakMap<PortAppConfig, ConfigSource>();
const warnings = new WeakMap<PortAppConfig, ConfigIssue[]>();

/** The file a config was loaded from (`port-app-config.yml` when it was built from data). */
export function configSource(config: PortAppConfig): ConfigSource {
  return sources.get(config) ?? { fileName: "port-app-config.yml", lineOf: () => undefined };
}

/**
 * What was accepted but ignored in a config — unknown keys under `resources[]` — one line
 * each (`file: path: message (line n)`), for `tide validate` to print and a run to log.
 *
 * @example
 * for (const line of configWarnings(config)) log.warn(line);
 */
export function configWarnings(config: PortAppConfig): string[] {
  const fileName = configSource(config).fileName;
  const issues = [...(warnings.get(config) ?? [])].sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity),
  );
  return issues.map((issue) => formatIssue(fileName, issue));
}

/**
 * Parses and validates a `port-app-config.yml` (YAML or JSON text), filling in Ocean's defaults.
 * Throws a {@link ConfigError} listing every problem with its path and line.
 *
 * @example
 * const config = loadConfig(await readFile("port-app-config.yml", "utf8"), "port-app-config.yml");
 * config.entityDeletionThreshold; // 0.9 unless set
 */
export function loadConfig(text: string, fileName = "port-app-config.yml"): PortAppConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      fileName,
      doc.errors.map((e) => ({
        path: "",
        line: lineCounter.linePos(e.pos[0]).line,
        message: `invalid YAML: ${e.message.split("\n")[0]}`,
      })),
    );
  }
  const lineOf = (path: ReadonlyArray<PropertyKey>) => findLine(doc, lineCounter, path);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // e.g. an alias bomb: yaml refuses to expand it (a ReferenceError).
    throw new ConfigError(fileName, [{ path: "", message: `invalid YAML: ${(error as Error).message}` }]);
  }
  return validate(value, { fileName, lineOf });
}

/**
 * Reads and validates a config file; see {@link loadConfig}. Problems name the file as
 * `fileName` (default: `path` as given).
 *
 * @example
 * const config = await loadConfigFile("port-app-config.yml");
 */
export async function loadConfigFile(path: string, fileName = path): Promise<PortAppConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? String(error));
    throw new ConfigError(fileName, [{ path: "", message: `cannot read the file: ${why}` }]);
  }
  return loadConfig(text, fileName);
}

/**
 * Validates a config that is already data (from Port's integration API or a run snapshot).
 *
 * @example
 * const config = parseConfig(integration.config, "Port integration config");
 */
export function parseConfig(value: unknown, fileName = "port-app-config.yml"): PortAppConfig {
  return validate(value, { fileName, lineOf: () => undefined });
}

function validate(value: unknown, source: ConfigSource): PortAppConfig {
  if (value === null || value === undefined) {
    throw new ConfigError(source.fileName, [
      { path: "", message: "the config is empty; it needs `resources:`" },
    ]);
  }
  const ignored = unknownKeys(value, source.lineOf);
  const result = portAppConfigSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.flatMap((issue) => explain(issue, [], value));
    // The keys ignored often explain a problem (`identifer` beside "identifier: required").
    throw new ConfigError(source.fileName, [
      ...issues.map(({ path, message }) => ({ path: formatPath(path), line: source.lineOf(path), message })),
      ...ignored,
    ]);
  }
  const config = result.data as PortAppConfig;
  sources.set(config, source);
  warnings.set(config, ignored);
  return config;
}

interface RawIssue {
  path: PropertyKey[];
  message: string;
}

/** Turns zod's issues into one plain sentence per problem, at the most precise path. */
function explain(issue: z.core.$ZodIssue, prefix: PropertyKey[], root: unknown): RawIssue[] {
  const path = [...prefix, ...issue.path];
  const value = valueAt(root, path);
  switch (issue.code) {
    case "invalid_union": {
      if (value === undefined) return [{ path, message: "required" }];
      // Report the alternative the value was most likely meant to be: one that accepted its
      // type, with the fewest complaints (a rule missing `operator` is not a broken query).
      const meant = issue.errors
        .filter((branch) => !branch.some((i) => i.code === "invalid_type" && !i.path.length))
        .sort((a, b) => a.length - b.length)[0];
      if (meant && isPlainObject(value)) return meant.flatMap((i) => explain(i, path, root));
      return [{ path, message: issue.message }];
    }
    case "invalid_key":
      return issue.issues.map((i) => ({ path, message: i.message }));
    case "invalid_type":
      if (value === undefined) return [{ path, message: "required" }];
      return [
        {
          path,
          message: issue.message.startsWith("Invalid input")
            ? expected(issue.expected, value)
            : issue.message,
        },
      ];
    default:
      return [{ path, message: issue.message }];
  }
}

function expected(type: string, value: unknown): string {
  const article = /^[aeiou]/.test(type) ? "an" : "a";
  const got =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "a list"
        : isPlainObject(value)
          ? "a mapping"
          : typeof value;
  const wanted = type === "object" ? "a mapping" : type === "array" ? "a list" : `${article} ${type}`;
  return `expected ${wanted}, got ${got}`;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The line of a path in the YAML: the line of its key when it exists, else the line of the
 * nearest enclosing key (so "mappings.identifier: required" points at `mappings:`).
 */
function findLine(doc: Document, counter: LineCounter, path: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = doc.contents;
  let line = startLine(counter, node);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return line;
      line = startLine(counter, pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) return line;
      line = startLine(counter, item) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}

function startLine(counter: LineCounter, node: unknown): number | undefined {
  const range = (node as Node | null)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}
