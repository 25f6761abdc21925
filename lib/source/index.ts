export { type EnumerateOptions, type EnumerateResult, enumerateKind } from "./enumerate.ts";
export {
  CannotListAgainError,
  PartitionRequiredError,
  SelectorError,
  SettingsError,
  SourceHttpError,
  UnknownNameError,
} from "./errors.ts";
export { withIncludedFiles } from "./included-files.ts";
export { findKind, getKind, kindNames } from "./kinds.ts";
export { lookAgain } from "./look-again.ts";
export * from "./paginate/index.ts";
export { builtInSources, getSourceDefinition } from "./registry.ts";
export { resolveSettings, type SettingSpec } from "./settings.ts";
export type {
  CallOptions,
  Cursor,
  FileRequest,
  Kind,
  LookAgainScope,
  Page,
  PageOptions,
  ResolvedSettings,
  SettingProblem,
  Source,
  SourceDefaults,
  SourceDefinition,
} from "./types.ts";
