import { isAbsolute, join } from "node:path";
import type { PortAppConfig } from "../mapping/index.ts";
import type { CliIO } from "./command.ts";

/** The `--config` flag of every command that reads a `port-app-config.yml`. */
export const configOption = {
  config: { type: "string", short: "c", default: "port-app-config.yml" },
} as const;

export const CONFIG_USAGE =
  "  -c, --config FILE   the port-app-config.yml to use (default: ./port-app-config.yml)";

/**
 * Loads `--config` relative to the working directory; problems name the file as the user
 * wrote it. The mapping library loads on first use, so that `--help` and usage errors are quick.
 */
export async function loadConfigFlag(path: string, io: CliIO): Promise<PortAppConfig> {
  const { loadConfigFile } = await import("../mapping/index.ts");
  return loadConfigFile(isAbsolute(path) ? path : join(io.cwd, path), path);
}
