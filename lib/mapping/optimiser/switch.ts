import { ConfigError } from "../errors.ts";

/** The environment variable that turns the jq fast path off (`off`) or on (`on`, the default). */
export const FAST_PATH_ENV = "TIDE_JQ_FAST_PATH";

/**
 * Whether mappings take the fast path (items trimmed to what the mapping reads, plain paths
 * read in JavaScript, one `try` per item). `TIDE_JQ_FAST_PATH=off` maps every item the plain
 * way — the slow program over whole items — to rule the optimiser out when a result looks wrong.
 *
 * @example
 * if (!fastPathEnabled()) console.log("mapping the plain way");
 */
export function fastPathEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const value = env[FAST_PATH_ENV]?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new ConfigError("environment", [
    { path: FAST_PATH_ENV, message: `must be "on" or "off", not ${JSON.stringify(env[FAST_PATH_ENV])}` },
  ]);
}
