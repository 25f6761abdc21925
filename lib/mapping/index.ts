/**
 * Port Ocean's `port-app-config.yml`, loaded, validated and compiled to jq: raw items in,
 * Port entities out.
 *
 * @example
 * import { compileResource, loadConfigFile } from "../mapping/index.ts";
 *
 * const config = await loadConfigFile("port-app-config.yml");
 * const mapper = await compileResource(config, 0);
 * const { entities, filtered, skipped, failures } = await mapper.map(rawItems);
 */
export { configSource, configWarnings, loadConfig, loadConfigFile, parseConfig } from "./config.ts";
export { ConfigError, type ConfigIssue } from "./errors.ts";
export { JqRunError } from "./jq.ts";
export { compileConfig, compileResource, type ResourceMapper } from "./mapper.ts";
export type {
  EntityMappings,
  JqExpression,
  MapFailure,
  MappedEntity,
  MapResult,
  MapSkip,
  PortAppConfig,
  ResourceConfig,
  SearchQueryMapping,
  SearchRuleMapping,
} from "./types.ts";
