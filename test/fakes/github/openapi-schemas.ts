/**
 * GitHub's published OpenAPI description (`@octokit/openapi`), compiled with ajv on demand:
 * what the fake's answers, and the parameters the source sends, are checked against.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

let ajv: Ajv;
export let description: {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string }> }>>;
};
const compiled = new Map<string, ValidateFunction>();
/** The schema GitHub publishes for `status` of `method path`, compiled on first use. */
export function schemaOf(method: string, path: string, status: number): ValidateFunction {
  const key = `${method} ${path} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    // A response may be a reference to a shared one (`#/components/responses/forbidden`).
    const shared = description.paths[path]?.[method]?.responses[String(status)]?.$ref;
    const ref = shared
      ? `github${shared}`
      : `github#/${pointer("paths", path, method, "responses", String(status))}`;
    validate = ajv.compile({ $ref: `${ref}/content/${pointer("application/json")}/schema` });
    compiled.set(key, validate);
  }
  return validate;
}
export const basicError = () => {
  const key = "basic-error";
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: "github#/components/schemas/basic-error" });
    compiled.set(key, validate);
  }
  return validate;
};

export function expectValid(validate: ValidateFunction, body: unknown) {
  const ok = validate(body);
  expect(
    ok ? [] : validate.errors?.slice(0, 8).map((e) => `${e.instancePath} ${e.message}`),
    "GitHub's published schema",
  ).toEqual([]);
}

/** Reads and registers the description once per test file. */
export async function loadDescription(): Promise<void> {
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  description = JSON.parse(await readFile(file, "utf8"));
  // OpenAPI 3.0: `nullable`, `example` and `x-github` are not JSON Schema; ajv is told to let them be.
  ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(nullableWithoutType(description), "github");
}

/**
 * OpenAPI 3.0 puts `nullable: true` beside `anyOf`/`allOf` without a `type`, which ajv refuses:
 * say the same in JSON Schema (`anyOf: [schema, null]`).
 */
function nullableWithoutType<T>(node: T): T {
  if (Array.isArray(node)) return node.map(nullableWithoutType) as T;
  if (typeof node !== "object" || node === null) return node;
  const entries = Object.entries(node).map(([key, value]) => [key, nullableWithoutType(value)]);
  const copy = Object.fromEntries(entries) as Record<string, unknown>;
  if (copy.nullable === true && copy.type === undefined) {
    const { nullable: _, ...rest } = copy;
    return { anyOf: [rest, { type: "null" }] } as T;
  }
  // Likewise `nullable` with an `enum`: JSON Schema wants null among the values.
  if (copy.nullable === true && Array.isArray(copy.enum) && !copy.enum.includes(null))
    copy.enum = [...copy.enum, null];
  return copy as T;
}

interface Parameter {
  name: string;
  in: string;
  schema?: { type?: string; enum?: string[] };
}

/** The query parameter `name` of `method path` as GitHub documents it (a `$ref` resolved), or undefined. */
export function parameterOf(method: string, path: string, name: string): Parameter | undefined {
  const doc = description as unknown as {
    paths: Record<string, Record<string, { parameters?: Array<Parameter | { $ref: string }> }>>;
    components: { parameters: Record<string, Parameter> };
  };
  for (const p of doc.paths[path]?.[method]?.parameters ?? []) {
    const parameter = "$ref" in p ? doc.components.parameters[p.$ref.split("/").pop() ?? ""] : p;
    if (parameter?.in === "query" && parameter.name === name) return parameter;
  }
  return undefined;
}
