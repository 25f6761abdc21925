/**
 * Tide as a library: the source contract and the built-in sources, the mapping (Ocean's
 * `port-app-config.yml`) and the Port client. The CDK construct is `<package>/cdk`, the
 * command `<package>/cli`.
 *
 * @example
 * import { loadConfigFile, compileResource } from "tide-port";
 *
 * const config = await loadConfigFile("port-app-config.yml");
 * const { entities, failures } = await (await compileResource(config, 0)).map(rawItems);
 */
export * from "./mapping/index.ts";
export { PortClient, type PortClientOptions } from "./port/index.ts";
export * from "./source/index.ts";
