import type { SourceHttpError } from "../../errors.ts";
import { GitHubHttpError } from "../client.ts";

/**
 * GitHub's answers for a repository where a security feature is turned off (Dependabot alerts
 * disabled, code scanning or Advanced Security not enabled, no analysis yet, secret scanning
 * disabled). Such a repository has nothing to list: it is skipped with a warning. Any other
 * refusal — above all a 403 for a missing permission — fails the kind, naming the permission.
 */
const OFF = /\b(?:disabled|not enabled|must be enabled|no analysis found)\b/i;

/** Why to skip a repository whose listing GitHub refused because `feature` is off; undefined if not that. */
export function featureOff(feature: string, error: SourceHttpError): string | undefined {
  if (error.status !== 403 && error.status !== 404) return undefined;
  const said = error instanceof GitHubHttpError ? error.apiMessage : undefined;
  return said && OFF.test(said) ? `${feature} off (${error.status}: ${said})` : undefined;
}
