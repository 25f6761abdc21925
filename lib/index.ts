/**
 * Tide as a library: what a source module imports (`defineSource` and its types), the source
 * contract and the built-in sources, the mapping (Ocean's `port-app-config.yml`) and the Port
 * client. The CDK construct is `tide-port/cdk`, the command `tide-port/cli`.
 *
 * @example
 * import { defineSource } from "tide-port";
 * export default defineSource({ name: "users-api", kinds: { async *user() { yield [{ id: 1 }]; } } });
 */

export { TideError } from "./errors.ts";
export { HttpClient, type HttpClientOptions, type HttpRequest, type HttpResponse } from "./http/client.ts";
export { RetryLaterError } from "./http/errors.ts";
export * from "./mapping/index.ts";
export { PortClient, type PortClientOptions } from "./port/index.ts";
export {
  defineSource,
  type KindContext,
  type KindDefinition,
  type KindGenerator,
  type KindYield,
  type SourceSpec,
} from "./source/define.ts";
export * from "./source/index.ts";
export { type ListKindOptions, listKind } from "./source/list-kind.ts";
export type { SettingSpec } from "./source/settings.ts";
