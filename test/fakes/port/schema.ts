/**
 * What Port checks beyond the route's schema (which `openapi.ts` validates against Port's
 * document): blueprint rules, and an entity's values against its blueprint's property schema
 * (types, enums, formats, required). Written from Port's published rules, not from the
 * client's validators, so the client is tested against Port.
 */

export const BLUEPRINT_ID = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/-]+$/u;
export const PROPERTY_ID = /^[A-Za-z0-9@_=-]+$/;

export const PROPERTY_TYPES = new Set(["string", "number", "boolean", "object", "array"]);

export interface PropertySchema {
  type: string;
  title?: string;
  format?: string;
  enum?: unknown[];
  items?: { type?: string; format?: string };
  [key: string]: unknown;
}

export interface RelationSchema {
  target: string;
  many: boolean;
  required: boolean;
  title?: string;
}

export interface Blueprint {
  identifier: string;
  title: string;
  icon?: string;
  description?: string;
  schema: { properties: Record<string, PropertySchema>; required: string[] };
  relations: Record<string, RelationSchema>;
  calculationProperties: Record<string, unknown>;
  mirrorProperties: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function blueprintIdError(value: string): string | undefined {
  if (value.length > 100) return "must be at most 100 characters";
  return BLUEPRINT_ID.test(value) ? undefined : `"${value}" must match ${BLUEPRINT_ID.source}`;
}

export function propertyIdError(value: string): string | undefined {
  if (value.length > 100) return "must be at most 100 characters";
  return PROPERTY_ID.test(value) ? undefined : `"${value}" must match ${PROPERTY_ID.source}`;
}

function formatError(format: string | undefined, value: string): string | undefined {
  if (format === "date-time" && Number.isNaN(Date.parse(value))) return "is not a date-time";
  if (format === "url" && !URL.canParse(value)) return "is not a URL";
  if (format === "email" && !/^[^@\s]+@[^@\s]+$/.test(value)) return "is not an email address";
  return undefined;
}

function typeError(type: string | undefined, value: unknown): string | undefined {
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : "must be a string";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "must be a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be a boolean";
    case "object":
      return isObject(value) ? undefined : "must be an object";
    case "array":
      return Array.isArray(value) ? undefined : "must be an array";
    default:
      return undefined;
  }
}

/** A property value against its blueprint schema. `null` clears a property and is always allowed. */
export function propertyValueError(schema: PropertySchema, value: unknown): string | undefined {
  if (value === null) return undefined;
  const error = typeError(schema.type, value);
  if (error) return error;
  if (schema.enum && !schema.enum.includes(value)) return `must be one of ${JSON.stringify(schema.enum)}`;
  if (typeof value === "string") return formatError(schema.format, value);
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) {
      const itemError =
        typeError(schema.items.type, item) ??
        (typeof item === "string" ? formatError(schema.items.format, item) : undefined);
      if (itemError) return `[${i}] ${itemError}`;
    }
  }
  return undefined;
}

const BLUEPRINT_FIELDS = new Set([
  "identifier",
  "title",
  "icon",
  "description",
  "schema",
  "relations",
  "calculationProperties",
  "mirrorProperties",
  "aggregationProperties",
  "teamInheritance",
  "changelogDestination",
  "ownership",
]);

/**
 * A blueprint body for POST (complete) or PATCH (partial). `blueprintExists` answers for
 * relation targets; `self` is the blueprint's own identifier (a relation may target itself).
 */
export function blueprintBodyError(
  body: unknown,
  partial: boolean,
  self: string | undefined,
  blueprintExists: (id: string) => boolean,
): string | undefined {
  if (!isObject(body)) return "body must be an object";
  const unknown = Object.keys(body).filter((k) => !BLUEPRINT_FIELDS.has(k));
  if (unknown.length > 0) return `unknown blueprint fields: ${unknown.join(", ")}`;
  if (!partial || "identifier" in body) {
    if (typeof body.identifier !== "string") return "identifier is required";
    const error = blueprintIdError(body.identifier);
    if (error) return `identifier ${error}`;
  }
  if ((!partial || "title" in body) && typeof body.title !== "string") return "title must be a string";
  if ("icon" in body && typeof body.icon !== "string") return "icon must be a string";
  if (!partial || "schema" in body) {
    const schema = body.schema;
    if (!isObject(schema) || !isObject(schema.properties)) return "schema.properties must be an object";
    for (const [key, prop] of Object.entries(schema.properties)) {
      const idError = propertyIdError(key);
      if (idError) return `schema.properties key ${idError}`;
      if (!isObject(prop) || !PROPERTY_TYPES.has(String(prop.type))) {
        return `schema.properties.${key}.type must be one of ${[...PROPERTY_TYPES].join(", ")}`;
      }
      if ("enum" in prop && !Array.isArray(prop.enum))
        return `schema.properties.${key}.enum must be an array`;
    }
    const required = schema.required ?? [];
    if (!Array.isArray(required)) return "schema.required must be an array";
    for (const name of required) {
      if (typeof name !== "string" || !(name in schema.properties)) {
        return `schema.required names "${String(name)}", which is not a property`;
      }
    }
  }
  if ("relations" in body) {
    if (!isObject(body.relations)) return "relations must be an object";
    for (const [key, rel] of Object.entries(body.relations)) {
      const idError = propertyIdError(key);
      if (idError) return `relations key ${idError}`;
      if (!isObject(rel) || typeof rel.target !== "string") return `relations.${key}.target is required`;
      if (rel.target !== self && rel.target !== body.identifier && !blueprintExists(rel.target)) {
        return `relations.${key}.target "${rel.target}" is not a blueprint`;
      }
      if (typeof rel.many !== "boolean") return `relations.${key}.many must be a boolean`;
      if ("required" in rel && typeof rel.required !== "boolean") {
        return `relations.${key}.required must be a boolean`;
      }
    }
  }
  return undefined;
}
