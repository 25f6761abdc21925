/**
 * Masks what looks secret in a raw item before it leaves for Port (kind examples, logs).
 * Hand-written: the masking libraries on npm redact by a fixed list of paths, while raw items
 * of any source need a rule by key name and by value shape. Ocean's own filter does the same.
 */

export const MASK = "********";

/** Keys whose values are masked whatever they hold: tokens, secrets, passwords, keys. */
const SECRET_KEY =
  /(^|[_\-.])(token|secret|password|passwd|pwd|api[_-]?key|apikey|private[_-]?key|access[_-]?key|client[_-]?secret|credentials?|authorization|auth|cookie|session|signature)s?($|[_\-.])|token|secret|password|apikey|privatekey|accesskey/i;

/** Values that are secrets wherever they appear: GitHub/Slack/AWS tokens, bearer headers, PEM keys, JWTs. */
const SECRET_VALUE = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}/,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/i,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
];

/** Whether a key names a secret (`token`, `client_secret`, `apiKey`, `password`…). */
export function isSecretKey(key: string): boolean {
  // Links, counts and dates about secrets are not secrets (`secrets_url`, `token_count`).
  if (/(_url|Url|_count|Count|_at|At)$/.test(key)) return false;
  return SECRET_KEY.test(key);
}

/**
 * A deep copy of `value` with secret-looking fields replaced by {@link MASK}: every string or
 * number under a secret-looking key (objects keep their shape), and strings shaped like a
 * token anywhere. Booleans and null stay (they tell, not leak).
 *
 * @example
 * maskSecrets({ name: "api", token: "ghp_…", settings: { webhook_secret: "x" } });
 * // { name: "api", token: "********", settings: { webhook_secret: "********" } }
 */
export function maskSecrets(value: unknown, key?: string, underSecret = false): unknown {
  if (value === null || typeof value === "boolean") return value;
  // Under a secret-looking key, the shape stays (Port's jq tester sees the same paths) and every
  // string or number in it is masked.
  const secret = underSecret || (key !== undefined && isSecretKey(key));
  if (typeof value === "string") return secret || SECRET_VALUE.some((re) => re.test(value)) ? MASK : value;
  if (typeof value === "number" || typeof value === "bigint") return secret ? MASK : value;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, undefined, secret));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskSecrets(v, k, secret);
    return out;
  }
  return value;
}
