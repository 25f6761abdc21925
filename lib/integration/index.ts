/**
 * Tide as an integration in Port: registration, the mapping Port holds, resync state, example
 * items, logs, and the changelog webhook (Port's Resync button). The HTTP calls are the Port
 * client's (`lib/port`); the decisions are here.
 */
export {
  type ChangelogReply,
  type ChangelogRequest,
  type ResyncStart,
  receiveChangelog,
} from "./changelog.ts";
export { IntegrationError, PortMappingError } from "./errors.ts";
export { KindExamples, MAX_EXAMPLES } from "./examples.ts";
export { PortLog } from "./logs.ts";
export { chooseMapping, hasPortMapping, type MappingOrigin, type ResolvedMapping } from "./mapping.ts";
export { MASK, maskSecrets } from "./mask.ts";
export { type Installation, registerIntegration } from "./registration.ts";
export { resyncPathSecret } from "./resync-path.ts";
export { intervalMinutesOf, resyncStateOf } from "./resync-state.ts";
export { startLockedResync } from "./resync-trigger.ts";
export { type IntegrationRun, openIntegrationRun, type PortIntegrationApi } from "./session.ts";
export { portSignatureProblem, signLikePort } from "./signature.ts";
