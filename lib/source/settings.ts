import { SettingsError } from "./errors.ts";
import type { ResolvedSettings, SettingProblem, SourceDefinition } from "./types.ts";

/** One setting a source reads from the environment. */
export interface SettingSpec {
  /** The environment variable, e.g. `GITHUB_TOKEN`. */
  name: string;
  /** Other variables read, in order, when `name` is unset (e.g. Ocean's `OCEAN__INTEGRATION__CONFIG__…`). */
  aliases?: readonly string[];
  type: "string" | "number" | "boolean" | "url";
  required?: boolean;
  /** Never printed: errors name the setting, not its value. */
  sensitive?: boolean;
  /** Used when the variable is unset or empty; parsed like a set value. */
  default?: string;
  description: string;
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/**
 * Reads and validates a source's settings from the environment. Every problem is collected
 * before throwing, so a user fixes them all in one go.
 *
 * @example
 * const settings = resolveSettings(githubSource, process.env);
 * const source = githubSource.create(settings);
 * @throws {SettingsError} naming each missing or invalid setting, never a sensitive value.
 */
export function resolveSettings(
  definition: SourceDefinition,
  env: Record<string, string | undefined>,
): ResolvedSettings {
  const settings: ResolvedSettings = {};
  const problems: SettingProblem[] = [];
  for (const spec of definition.settings) {
    const raw = [spec.name, ...(spec.aliases ?? [])].map((n) => env[n]?.trim()).find(Boolean) || spec.default;
    if (raw === undefined) {
      if (spec.required)
        problems.push({ setting: spec.name, message: `required, not set (${spec.description})` });
      continue;
    }
    const parsed = parse(spec, raw);
    if (typeof parsed === "object") problems.push({ setting: spec.name, message: parsed.problem });
    else settings[spec.name] = parsed;
  }
  // Cross-setting checks see only the readable settings; a setting already reported stays reported once.
  for (const problem of definition.check?.(settings) ?? []) {
    if (!problems.some((p) => p.setting === problem.setting)) problems.push(problem);
  }
  if (problems.length > 0) throw new SettingsError(definition.name, problems);
  return settings;
}

function parse(spec: SettingSpec, raw: string): string | number | boolean | { problem: string } {
  // A sensitive value is never echoed back, not even a bad one.
  const shown = spec.sensitive ? "the value" : JSON.stringify(raw);
  switch (spec.type) {
    case "string":
      return raw;
    case "number": {
      const value = Number(raw);
      return Number.isFinite(value) ? value : { problem: `${shown} is not a number` };
    }
    case "boolean": {
      const lower = raw.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return { problem: `${shown} is not a boolean (use true or false)` };
    }
    case "url": {
      try {
        const url = new URL(raw);
        if (url.protocol === "http:" || url.protocol === "https:") return raw.replace(/\/+$/, "");
      } catch {
        // reported below
      }
      return { problem: `${shown} is not an http(s) URL` };
    }
  }
}
