/** Item names kept in failures stay short: a hostile 10,000-character id must not bloat the run record. */
const MAX_KEY_LENGTH = 200;

/** The fields that usually name a raw item, most telling first (GitHub's `full_name`, Jira's `key`...). */
export const NAMING_FIELDS = ["full_name", "key", "name", "slug", "id", "identifier", "title"];

/**
 * A human handle on a raw item for failure reports: the first non-empty naming field,
 * clipped. The fanout (items that cannot be sent) and the mapping (items that cannot be
 * mapped) name items the same way.
 *
 * @example
 * itemKey({ full_name: "acme/api", id: 7 }); // "acme/api"
 * itemKey("just a string"); // undefined
 */
export function itemKey(item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const fields = item as Record<string, unknown>;
  for (const name of NAMING_FIELDS) {
    const value = fields[name];
    if ((typeof value === "string" && value !== "") || typeof value === "number")
      return clipKey(String(value));
  }
  return undefined;
}

/** `key`, cut to 200 characters (ending `...` when cut). */
export function clipKey(key: string): string {
  return key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH - 3)}...` : key;
}
