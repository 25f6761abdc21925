/**
 * Tide's library entry: what a source module imports.
 *
 * @example
 * import { defineSource } from "tide";
 * export default defineSource({ name: "users-api", kinds: { async *user() { yield [{ id: 1 }]; } } });
 */

export { TideError } from "./errors.ts";
export { HttpClient, type HttpClientOptions, type HttpRequest, type HttpResponse } from "./http/client.ts";
export { RetryLaterError } from "./http/errors.ts";
export {
  defineSource,
  type KindContext,
  type KindDefinition,
  type KindGenerator,
  type KindYield,
  type SourceSpec,
} from "./source/define.ts";
export { SelectorError, SettingsError, SourceHttpError } from "./source/errors.ts";
export { type ListKindOptions, listKind } from "./source/list-kind.ts";
export type { SettingSpec } from "./source/settings.ts";
export type { Cursor, ResolvedSettings, SettingProblem, SourceDefinition } from "./source/types.ts";
