// What a CDK user imports to embed Tide in their own app.

export { DEFAULT_STACK_NAME, TIDE_STACK_OUTPUTS } from "../lib/stack-outputs.ts";
export { TideAlarms, type TideAlarmsProps } from "./alarms.ts";
export { BUNDLED_CONFIG_PATH, NODEJS_24, tideBundling } from "./bundling.ts";
export { TIDE_CONTEXT_KEYS, type TideAppSettings, tideSettingsFromContext } from "./context.ts";
export { BatchPayloadTooLargeError, TidePropError } from "./errors.ts";
export { assertBatchFitsPayload, LAMBDA_SYNC_PAYLOAD_BYTES } from "./limits.ts";
export { assertMappingCompiles } from "./mapping-check.ts";
export { type ResolvedTideProps, resolveTideProps, TIDE_DEFAULTS, type TideProps } from "./props.ts";
export { TideStack, type TideStackProps } from "./stack.ts";
export { RUN_TABLE_ACTIONS, Tide } from "./tide.ts";
