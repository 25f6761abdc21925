import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

let cached: { arn: string; values: Promise<Record<string, string>> } | undefined;

/**
 * The settings kept in the stack's one Secrets Manager secret (a JSON object of setting
 * names to values), read once per container. Values are never logged; a malformed secret
 * is named by ARN, never shown.
 */
export function loadSecretSettings(
  client: SecretsManagerClient,
  arn: string,
): Promise<Record<string, string>> {
  if (cached?.arn !== arn) {
    const values = fetchSecret(client, arn);
    values.catch(() => {
      cached = undefined;
    });
    cached = { arn, values };
  }
  return cached.values;
}

async function fetchSecret(client: SecretsManagerClient, arn: string): Promise<Record<string, string>> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const text = result.SecretString ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`secret ${arn} is not a JSON object of settings (e.g. {"PORT_CLIENT_ID": "..."})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`secret ${arn} is not a JSON object of settings`);
  }
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === "string") settings[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") settings[name] = String(value);
  }
  return settings;
}
