import { CliError, EXIT } from "./command.ts";

/** `--region` and `--profile`, as every command that talks to AWS takes them. */
export const AWS_FLAGS = {
  region: { type: "string" },
  profile: { type: "string" },
} as const;

export const AWS_FLAGS_USAGE = `      --region R     AWS region (default: AWS_REGION, or the profile's)
      --profile P    AWS profile from ~/.aws/config (default: AWS_PROFILE)`;

/** What AWS SDK clients are built with: the flags, else the SDK's own chain (env, profile, SSO...). */
export interface AwsSettings {
  region?: string;
  profile?: string;
}

export function awsSettings(values: { region?: string | boolean; profile?: string | boolean }): AwsSettings {
  return {
    ...(typeof values.region === "string" && values.region ? { region: values.region } : {}),
    ...(typeof values.profile === "string" && values.profile ? { profile: values.profile } : {}),
  };
}

const MISSING_REGION = /region is missing/i;
const MISSING_CREDENTIALS =
  /could not load credentials|credential|security token|expired ?token|not authorized|signature/i;

/**
 * An AWS error as a one-line CLI error; when it comes from missing or wrong AWS settings, with
 * what to set. `doing` names the call ("read run table tide-runs").
 *
 * @example
 * try { await store.latestRun(id) } catch (error) { throw awsError(error, `read run table ${table}`) }
 */
export function awsError(error: unknown, doing: string, aws: AwsSettings = {}): CliError {
  if (error instanceof CliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (MISSING_REGION.test(message)) {
    return new CliError(
      `could not ${doing}: no AWS region. Set AWS_REGION (or pass --region), or use a profile that has one (--profile / AWS_PROFILE)`,
      EXIT.usage,
    );
  }
  if (MISSING_CREDENTIALS.test(message)) {
    const profile = aws.profile ? ` with profile ${aws.profile}` : "";
    return new CliError(
      `could not ${doing}${profile}: ${message}. Check your AWS credentials: AWS_PROFILE or --profile, \`aws sso login\`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
    );
  }
  return new CliError(`could not ${doing}: ${message}`);
}
