import { TideError } from "../errors.ts";
/** One problem in a `port-app-config.yml`: where it is and what is wrong. */
export interface ConfigIssue {
  /** Where in the config, e.g. `resources[2].port.entity.mappings.identifier`; "" for the whole file. */
  path: string;
  /** 1-based line in the file, when the config was read from text. */
  line?: number;
  message: string;
}

/**
 * A `port-app-config.yml` that cannot be used: bad YAML, a schema violation, or a jq
 * expression that does not compile. Carries every problem found, not just the first.
 *
 * @example
 * try {
 *   await loadConfigFile("port-app-config.yml");
 * } catch (error) {
 *   if (error instanceof ConfigError) for (const line of error.lines()) console.error(line);
 * }
 */
export class ConfigError extends TideError {
  override readonly name = "ConfigError";
  readonly fileName: string;
  readonly issues: ConfigIssue[];

  constructor(fileName: string, issues: ConfigIssue[]) {
    const sorted = [...issues].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    super(sorted.map((issue) => formatIssue(fileName, issue)).join("\n"));
    this.fileName = fileName;
    this.issues = sorted;
  }

  /** One line per problem: `file: path: message (line n)`. */
  lines(): string[] {
    return this.issues.map((issue) => formatIssue(this.fileName, issue));
  }
}

export function formatIssue(fileName: string, issue: ConfigIssue): string {
  const where = issue.path ? `${issue.path}: ` : "";
  const line = issue.line === undefined ? "" : ` (line ${issue.line})`;
  return `${fileName}: ${where}${issue.message}${line}`;
}

/** `["resources", 2, "port"]` → `resources[2].port`; keys that are not plain names are quoted. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$]*$/.test(segment))
      out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}
