import { access, readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { ConfigError, compileConfig, loadConfig, type PortAppConfig, parseConfig } from "../mapping/index.ts";
import type { Integration } from "../port/blueprint.ts";
import { PortMappingError } from "./errors.ts";

/** Where a run's mapping came from, in the order they are tried. */
export type MappingOrigin = "flag" | "port" | "file" | "default";

export interface ResolvedMapping {
  config: PortAppConfig;
  origin: MappingOrigin;
  /** The mapping as the user wrote it (no defaults filled in): what Port stores. */
  raw: Record<string, unknown>;
  /** For messages: the file, "Port integration <id>", or "the github source's default". */
  description: string;
}

export interface MappingChoice {
  /** `--config FILE` (local runs). */
  flagFile?: string;
  /** The integration as Port holds it (undefined: not registered, or Port not configured). */
  integration?: Integration;
  integrationId: string;
  /** `./port-app-config.yml`, used when it exists. */
  localFile?: string;
  /** Relative files are read from here (default: the process's working directory). */
  cwd?: string;
  /** The source's default mapping (YAML text) and the source's name. */
  sourceDefault?: { name: string; text: () => Promise<string> };
}

/** Whether Port holds a mapping for the integration (an empty `config` is none). */
export function hasPortMapping(integration: Integration | undefined): boolean {
  const config = integration?.config;
  return typeof config === "object" && config !== null && Object.keys(config).length > 0;
}

/**
 * The mapping a run uses: `--config FILE` when given; otherwise the integration's mapping in
 * Port when it has one (checked in full, jq included: an invalid one throws
 * {@link PortMappingError} before anything is written); otherwise `./port-app-config.yml`;
 * otherwise the source's default.
 *
 * @example
 * const { config, origin } = await chooseMapping({ integration: await port.getIntegration(), integrationId, localFile: "port-app-config.yml" });
 */
export async function chooseMapping(choice: MappingChoice): Promise<ResolvedMapping> {
  const at = (file: string) => (isAbsolute(file) || !choice.cwd ? file : join(choice.cwd, file));
  if (choice.flagFile)
    return fromText(await readText(at(choice.flagFile), choice.flagFile), choice.flagFile, "flag");
  if (hasPortMapping(choice.integration)) {
    return fromPort(choice.integrationId, choice.integration?.config as Record<string, unknown>);
  }
  if (choice.localFile && (await exists(at(choice.localFile)))) {
    return fromText(await readText(at(choice.localFile), choice.localFile), choice.localFile, "file");
  }
  if (choice.sourceDefault) {
    const name = `the ${choice.sourceDefault.name} source's default mapping`;
    return fromText(await choice.sourceDefault.text(), name, "default");
  }
  throw new ConfigError(choice.localFile ?? "port-app-config.yml", [
    { path: "", message: "no mapping: none in Port, no such file, and the source has no default" },
  ]);
}

/** Port's mapping, validated as `tide validate` would (schema and every jq expression). */
export async function fromPort(
  integrationId: string,
  raw: Record<string, unknown>,
): Promise<ResolvedMapping> {
  const description = `Port integration "${integrationId}"`;
  try {
    const config = parseConfig(raw, description);
    await compileConfig(config);
    return { config, origin: "port", raw, description };
  } catch (error) {
    if (error instanceof ConfigError) throw new PortMappingError(integrationId, error.lines());
    throw error;
  }
}

/** A mapping from YAML or JSON text, validated in full (jq included); `ConfigError` names lines. */
export async function fromText(
  text: string,
  fileName: string,
  origin: MappingOrigin,
): Promise<ResolvedMapping> {
  const config = loadConfig(text, fileName);
  await compileConfig(config);
  return { config, origin, raw: parse(text) as Record<string, unknown>, description: fileName };
}

async function readText(path: string, name: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(code);
    throw new ConfigError(name, [{ path: "", message: `cannot read the file: ${why}` }]);
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
