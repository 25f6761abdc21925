/**
 * The emulator's contract check: every request is validated against Port's own OpenAPI
 * document (`openapi/port-openapi.json`, trimmed from Port's published one by
 * `openapi/trim.ts`) with ajv, as Port's server validates it (Port runs Fastify, whose
 * schemas that document was generated from): path parameters, query string (coerced from
 * strings, as Fastify does), and JSON body. Responses can be checked the same way.
 * Routes Port serves without documenting them carry hand-written schemas
 * (`openapi/undocumented.ts`). Schemas are compiled once per process, lazily per operation.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import formatsModule from "ajv-formats";
import { UNDOCUMENTED_PATHS } from "./openapi/undocumented.ts";

type Schema = Record<string, unknown>;

interface Parameter {
  in: "path" | "query" | "header" | "cookie";
  name: string;
  required?: boolean;
  schema?: Schema;
}

interface OperationObject {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> } | undefined>;
  "x-undocumented"?: boolean;
}

/** One operation of the document, and its validators (compiled on first use). */
export interface Operation {
  method: string;
  /** The document's path template, e.g. `/v1/blueprints/{blueprint_identifier}/entities`. */
  template: string;
  /** Hand-written (a route Port serves but does not document). */
  undocumented: boolean;
  readonly object: OperationObject;
  segments: string[];
  compiled?: Compiled;
}

interface Compiled {
  params: ValidateFunction;
  query: ValidateFunction;
  arrayParams: Set<string>;
  body?: ValidateFunction;
  bodyRequired: boolean;
  /** Compiled on first use, per status: most tests never check responses. */
  responses: Map<string, ValidateFunction | undefined>;
}

const DOC_ID = "port-openapi";

// `ajv-formats` is CommonJS; its default export arrives as `module.exports` or under `.default`.
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ??
  formatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

let loaded: { operations: Operation[]; body: Ajv2020; query: Ajv2020 } | undefined;

function newAjv(coerceTypes: boolean | "array"): Ajv2020 {
  // strict: false: the document carries OpenAPI annotations (`example`, `x-*`) ajv does not know.
  // allErrors: false, like Fastify: the first violation is the message. validateSchema: false:
  // Port's document has harmless slips (a `required` list naming `ok` twice) ajv would refuse.
  const ajv = new Ajv2020({
    strict: false,
    allErrors: false,
    coerceTypes,
    validateSchema: false,
    logger: false,
  });
  addFormats(ajv);
  return ajv;
}

function load() {
  if (loaded) return loaded;
  const text = readFileSync(new URL("openapi/port-openapi.json", import.meta.url), "utf8");
  const doc = JSON.parse(text) as {
    paths: Record<string, Record<string, OperationObject>>;
    components: Schema;
  };
  // Bodies are checked as sent (no coercion): a number where Port wants a string is a 422 here.
  // Query strings and path parameters are text, coerced to the schema's type as Fastify does.
  const body = newAjv(false);
  const query = newAjv("array");
  for (const ajv of [body, query]) ajv.addSchema({ $id: DOC_ID, components: doc.components });
  const operations: Operation[] = [];
  const add = (paths: Record<string, Record<string, unknown>>, undocumented: boolean) => {
    for (const [template, item] of Object.entries(paths)) {
      for (const [method, object] of Object.entries(item)) {
        operations.push({
          method: method.toUpperCase(),
          template,
          undocumented,
          object: object as OperationObject,
          segments: template.split("/").filter(Boolean),
        });
      }
    }
  };
  add(doc.paths, false);
  add(UNDOCUMENTED_PATHS, true);
  // Literal segments win over parameters (`/entities/search` before `/entities/{id}`).
  const literals = (op: Operation) => op.segments.filter((s) => !s.startsWith("{")).length;
  operations.sort((a, b) => literals(b) - literals(a));
  loaded = { operations, body, query };
  return loaded;
}

/** `#/components/...` references point into the document registered under {@link DOC_ID}. */
function rooted(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rooted);
  if (typeof schema !== "object" || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${DOC_ID}${v}` : rooted(v),
    ]),
  );
}

function compile(op: Operation): Compiled {
  if (op.compiled) return op.compiled;
  const { body: bodyAjv, query: queryAjv } = load();
  const group = (where: "path" | "query") => {
    const list = (op.object.parameters ?? []).filter((p) => p.in === where);
    return {
      type: "object",
      properties: Object.fromEntries(list.map((p) => [p.name, rooted(p.schema ?? {})])),
      required: list.filter((p) => p.required).map((p) => p.name),
    };
  };
  const arrayParams = new Set(
    (op.object.parameters ?? [])
      .filter((p) => p.in === "query" && p.schema?.type === "array")
      .map((p) => p.name),
  );
  const bodySchema = op.object.requestBody?.content?.["application/json"]?.schema;
  op.compiled = {
    params: queryAjv.compile(group("path")),
    query: queryAjv.compile(group("query")),
    arrayParams,
    body: bodySchema ? bodyAjv.compile(rooted(bodySchema) as Schema) : undefined,
    bodyRequired: op.object.requestBody?.required === true,
    responses: new Map(),
  };
  return op.compiled;
}

/** The operation a method and raw path (still percent-encoded) call, with its path parameters. */
export function findOperation(
  method: string,
  rawPath: string,
): { operation: Operation; params: Record<string, string> } | undefined {
  const segments = rawPath.split("/").filter(Boolean);
  for (const operation of load().operations) {
    if (operation.method !== method || operation.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = operation.segments.every((p, i) => {
      const seg = segments[i] ?? "";
      if (!p.startsWith("{")) return p === seg;
      try {
        params[p.slice(1, -1)] = decodeURIComponent(seg);
        return true;
      } catch {
        return false;
      }
    });
    if (ok) return { operation, params };
  }
  return undefined;
}

const message = (validate: ValidateFunction, dataVar: string) =>
  (validate.errors ?? []).map((e) => `${dataVar}${e.instancePath} ${e.message ?? "is invalid"}`).join(", ");

/**
 * Why Port's schema refuses this request (Fastify's wording: `body/entities/0/identifier must
 * match pattern "..."`), or undefined when it conforms. `body` is undefined when none was sent.
 */
export function requestError(
  operation: Operation,
  params: Record<string, string>,
  query: URLSearchParams,
  body: unknown,
): string | undefined {
  const compiled = compile(operation);
  if (!compiled.params({ ...params })) return message(compiled.params, "params");
  const queryObject: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    queryObject[key] = compiled.arrayParams.has(key) || values.length > 1 ? values : values[0];
  }
  if (!compiled.query(queryObject)) return message(compiled.query, "querystring");
  // Fastify validates a missing body as absent: a route with a body schema refuses it.
  if (body === undefined) return compiled.body || compiled.bodyRequired ? "body must be object" : undefined;
  if (compiled.body && !compiled.body(body)) return message(compiled.body, "body");
  return undefined;
}

/**
 * Why a response does not match what the document promises for this status, or undefined
 * (also when the document gives no schema for the status: nothing to check against).
 */
export function responseError(operation: Operation, status: number, body: unknown): string | undefined {
  const validate = responseValidator(operation, status);
  if (!validate || validate(body)) return undefined;
  return `${operation.method} ${operation.template} ${status}: ${message(validate, "response")}`;
}

/** Whether the document (or the undocumented list) gives a schema for this status. */
export function documentsStatus(operation: Operation, status: number): boolean {
  return responseValidator(operation, status) !== undefined;
}

function responseValidator(operation: Operation, status: number): ValidateFunction | undefined {
  const { responses } = compile(operation);
  const key = String(status);
  if (!responses.has(key)) {
    const schema = operation.object.responses?.[key]?.content?.["application/json"]?.schema;
    responses.set(key, schema ? load().body.compile(rooted(schema) as Schema) : undefined);
  }
  return responses.get(key);
}
