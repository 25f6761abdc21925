import pkg from "../../package.json" with { type: "json" };
import { type IntegrationRun, openIntegrationRun } from "../integration/session.ts";
import type { PortAppConfig } from "../mapping/index.ts";
import type { Logger } from "../pipeline/logger.ts";
import type { SourceDefinition } from "../source/types.ts";
import type { CliIO } from "./command.ts";
import { type CatalogChoice, resolveConfig } from "./setup-env.ts";

/** The mapping of a local run, and its integration in Port when the run writes to Port. */
export interface RunMapping {
  config: PortAppConfig;
  integration?: IntegrationRun;
}

/**
 * The mapping a local command uses. Writing to Port: `--config FILE`, else the integration's
 * mapping in Port, else `./port-app-config.yml`, else the source's default (then stored in
 * Port); the installation is registered in Port on the way. Writing to a file catalog:
 * `--config`, `./port-app-config.yml`, the default.
 *
 * @example
 * const { config, integration } = await runMapping(io, { flag: flags.config, definition, target, log });
 */
export async function runMapping(
  io: CliIO,
  options: {
    flag?: string;
    definition: SourceDefinition;
    target: CatalogChoice;
    log: Logger;
    readOnly?: boolean;
  },
): Promise<RunMapping> {
  const { port } = options.target;
  if (!port) return { config: await resolveConfig(options.flag, options.definition, io) };
  const defaults = options.definition.defaults;
  const integration = await openIntegrationRun({
    port,
    installation: { type: options.definition.name, version: pkg.version },
    mapping: {
      flagFile: options.flag,
      localFile: "port-app-config.yml",
      cwd: io.cwd,
      sourceDefault: defaults
        ? { name: options.definition.name, text: () => defaults.portAppConfig() }
        : undefined,
    },
    log: options.log,
    readOnly: options.readOnly,
  });
  const { mapping } = integration;
  const from = {
    flag: "",
    port: `the mapping of ${mapping.description}`,
    file: mapping.description,
    default: mapping.description,
  }[mapping.origin];
  if (from) io.stderr.write(`tide: using ${from}\n`);
  if (integration.registration === "created")
    io.stderr.write(`tide: registered integration "${port.integrationId}" in Port\n`);
  if (integration.storedDefault)
    io.stderr.write(`tide: stored ${mapping.description} as the integration's mapping in Port\n`);
  return { config: mapping.config, integration };
}
