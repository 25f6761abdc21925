import { access } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { PortCatalog } from "../catalog/port-catalog.ts";
import { resyncStateOf } from "../integration/resync-state.ts";
import { FileCatalog } from "../local/file-catalog.ts";
import type { PortAppConfig } from "../mapping/index.ts";
import type { ReadableCatalog } from "../pipeline/contracts/index.ts";
import { PortClient } from "../port/client.ts";
import { PortConfigError } from "../port/errors.ts";
import { getSourceDefinition, resolveSettings, SettingsError, UnknownNameError } from "../source/index.ts";
import { loadSource, SourceModuleError } from "../source/load.ts";
import type { Source, SourceDefinition } from "../source/types.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";
import { loadConfigFlag } from "./config.ts";

/** Turns a settings problem into a one-line (or one-list) usage error: exit code 2. */
function settingsError(error: unknown): never {
  if (
    error instanceof SettingsError ||
    error instanceof PortConfigError ||
    error instanceof UnknownNameError
  ) {
    throw new CliError(error.message, EXIT.usage);
  }
  throw error;
}

export function sourceDefinition(name: string): SourceDefinition {
  try {
    return getSourceDefinition(name);
  } catch (error) {
    settingsError(error);
  }
}

/**
 * The source `--source` (or `TIDE_SOURCE`) names: a built-in, a module file or a package.
 * A module that cannot be loaded is a usage error (exit code 2).
 */
export async function loadSourceFlag(reference: string, io: CliIO): Promise<SourceDefinition> {
  try {
    return await loadSource(reference, io.cwd);
  } catch (error) {
    if (error instanceof SourceModuleError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

export function createSource(definition: SourceDefinition, io: CliIO): Source {
  try {
    return definition.create(resolveSettings(definition, io.env));
  } catch (error) {
    settingsError(error);
  }
}

/**
 * The config a local command uses: `--config` if given, else `./port-app-config.yml` if
 * present, else the source's default mapping (said on stderr).
 */
export async function resolveConfig(
  flag: string | undefined,
  definition: SourceDefinition,
  io: CliIO,
): Promise<PortAppConfig> {
  if (flag) return loadConfigFlag(flag, io);
  const local = "port-app-config.yml";
  const exists = await access(isAbsolute(local) ? local : join(io.cwd, local)).then(
    () => true,
    () => false,
  );
  if (exists || !definition.defaults) return loadConfigFlag(local, io);
  const { loadConfig } = await import("../mapping/index.ts");
  io.stderr.write(
    `tide: no port-app-config.yml here: using the ${definition.name} source's default mapping\n`,
  );
  return loadConfig(
    await definition.defaults.portAppConfig(),
    `default ${definition.name} port-app-config.yml`,
  );
}

export interface CatalogChoice {
  catalog: ReadableCatalog;
  port?: PortClient;
  /** Saves a file catalog; nothing for Port. */
  flush(): Promise<void>;
}

/**
 * Port when `PORT_CLIENT_ID` and `PORT_CLIENT_SECRET` are set; otherwise a local file
 * catalog, said in one line.
 */
export function chooseCatalog(
  io: CliIO,
  options: { integrationId: string; type: string; dir: string },
): CatalogChoice {
  const id = io.env.PORT_CLIENT_ID?.trim();
  const secret = io.env.PORT_CLIENT_SECRET?.trim();
  if (id || secret) {
    try {
      const port = PortClient.fromEnv(io.env, {
        integrationId: options.integrationId,
        integrationType: options.type,
      });
      // Local runs have no schedule: the resync state carries no next resync.
      const catalog = new PortCatalog(port, options.integrationId, {
        resyncState: (report) => resyncStateOf(report, undefined),
      });
      return { catalog, port, flush: async () => {} };
    } catch (error) {
      settingsError(error);
    }
  }
  const dir = isAbsolute(options.dir) ? options.dir : join(io.cwd, options.dir);
  const catalog = new FileCatalog(dir);
  io.stderr.write(
    `tide: PORT_CLIENT_ID and PORT_CLIENT_SECRET are not set: writing to ${options.dir}/ instead of Port\n`,
  );
  return { catalog, flush: () => catalog.flush() };
}

export function integrationIdOf(io: CliIO, source: string): string {
  return io.env.TIDE_INTEGRATION_ID?.trim() || `tide-${source}`;
}
