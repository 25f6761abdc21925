/**
 * Port's identifier rules, checked before anything is sent so that a bad identifier is
 * reported with the item and mapping that produced it instead of as a 422 from Port.
 * Each validator returns a message saying what is wrong, or undefined when the value is fine.
 */

// One allowed character each; "." and ".." alone are refused separately.
const ENTITY = /[\p{L}0-9@_.+:\\/='-]/u;
const BLUEPRINT = /[\p{L}0-9@_.+:\\/-]/u;
const PROPERTY = /[A-Za-z0-9@_=-]/;
const WHOLE = new Map<RegExp, RegExp>(
  [ENTITY, BLUEPRINT, PROPERTY].map((c) => [c, new RegExp(`^${c.source}+$`, c.flags)]),
);

export const MAX_ENTITY_IDENTIFIER = 1000;
export const MAX_BLUEPRINT_IDENTIFIER = 100;
export const MAX_PROPERTY_IDENTIFIER = 100;

/**
 * An entity identifier: letters, digits and `@_.+:\/='-`, not `.` or `..`, at most 1000 characters.
 *
 * @example
 * validateEntityIdentifier("acme/api");   // undefined
 * validateEntityIdentifier("has space");  // 'entity identifier "has space" may only contain ...'
 */
export function validateEntityIdentifier(value: unknown): string | undefined {
  return check("entity identifier", value, ENTITY, MAX_ENTITY_IDENTIFIER, "letters, digits and @_.+:\\/='-");
}

/** A blueprint identifier: like an entity identifier without `=`, at most 100 characters. */
export function validateBlueprintIdentifier(value: unknown): string | undefined {
  return check(
    "blueprint identifier",
    value,
    BLUEPRINT,
    MAX_BLUEPRINT_IDENTIFIER,
    "letters, digits and @_.+:\\/-",
  );
}

/** A property or relation identifier: `A-Za-z0-9@_=-`, at most 100 characters. */
export function validatePropertyIdentifier(value: unknown): string | undefined {
  return check("property identifier", value, PROPERTY, MAX_PROPERTY_IDENTIFIER, "A-Z a-z 0-9 @ _ = -");
}

function check(
  what: string,
  value: unknown,
  pattern: RegExp,
  max: number,
  allowed: string,
): string | undefined {
  if (typeof value !== "string") return `${what} must be a string, got ${describe(value)}`;
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > max) return `${what} is ${value.length} characters long, the limit is ${max}`;
  if (pattern !== PROPERTY && (value === "." || value === "..")) return `${what} must not be "${value}"`;
  if (WHOLE.get(pattern)?.test(value)) return undefined;
  for (const c of value) {
    if (!pattern.test(c)) {
      return `${what} ${JSON.stringify(clip(value))} may only contain ${allowed} (found ${JSON.stringify(c)})`;
    }
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
