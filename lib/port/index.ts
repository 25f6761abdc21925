/**
 * The Port API client. Everything an integration needs from Port: auth, bulk upserts,
 * search, deletes, blueprints and resync state.
 */

export { NetworkError, RetryLaterError } from "../http/index.ts";
export type {
  Blueprint,
  BlueprintProperty,
  BlueprintRelation,
  Integration,
  ResyncState,
} from "./blueprint.ts";
export {
  DEFAULT_BASE_URL,
  DEFAULT_PORT_TIMEOUT_MS,
  PortClient,
  type PortClientOptions,
} from "./client.ts";
export {
  type DeleteFailure,
  type DeleteOptions,
  type DeleteResult,
  MAX_DELETE_PER_REQUEST,
} from "./delete.ts";
export type { Entity, PortEntity, SearchQuery, SearchRule } from "./entity.ts";
export { PortApiError, PortConfigError, PortValidationError } from "./errors.ts";
export {
  validateBlueprintIdentifier,
  validateEntityIdentifier,
  validatePropertyIdentifier,
} from "./identifiers.ts";
export type {
  ChangelogDestination,
  IntegrationLogLine,
  IntegrationPatch,
  NewIntegration,
} from "./integration.ts";
export { MAX_SEARCH_PAGE, type SearchOptions } from "./search.ts";
export type { PortStats, RouteKind } from "./stats.ts";
export {
  PORT_UPSERT_LIMITS,
  type UpsertFailure,
  type UpsertOptions,
  type UpsertResult,
  type UpsertSuccess,
} from "./upsert.ts";
export { type EntityProblem, entityProblem } from "./validate.ts";
