import { z } from "zod";
import { SelectorError } from "../errors.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof METHODS)[number];

const method = z.preprocess((v) => (typeof v === "string" ? v.toUpperCase() : v), z.enum(METHODS));
const queryParams = z.record(z.string(), z.unknown());
const headers = z.record(z.string(), z.string());

/** Ocean's `ApiPathParameter`: where the values of one `{param}` of an endpoint come from. */
const pathParameter = z.strictObject({
  endpoint: z.string().min(1),
  method: method.default("GET"),
  query_params: queryParams.optional(),
  headers: headers.optional(),
  data_path: z.string().optional(),
  field: z.string().min(1),
  filter: z.string().optional(),
});

/**
 * Ocean's `HttpServerSelector`, as the fanout passes it (without `query`): the request each
 * endpoint kind makes. Unknown fields pass, as in Ocean (Port adds some of its own).
 */
export const httpSelectorSchema = z.looseObject({
  endpoint: z.string().optional(),
  method: method.default("GET"),
  query_params: queryParams.optional(),
  headers: headers.optional(),
  body: z.unknown().optional(),
  path_parameters: z.record(z.string(), pathParameter).optional(),
  data_path: z.string().optional(),
});

export type HttpSelector = z.infer<typeof httpSelectorSchema>;
export type PathParameter = z.infer<typeof pathParameter>;

/**
 * The selector of an endpoint kind, checked.
 *
 * @example
 * parseHttpSelector("/api/users.list", { method: "GET", data_path: ".members" });
 * @throws {SelectorError} naming the kind and the field.
 */
export function parseHttpSelector(kind: string, selector: Record<string, unknown>): HttpSelector {
  const result = httpSelectorSchema.safeParse(selector);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join(".") || "selector";
  const value = issue?.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], selector);
  const allowed =
    issue && "values" in issue
      ? (issue.values as unknown[]).map(String)
      : [issue?.message ?? "a valid value"];
  throw new SelectorError(kind, field, value, allowed);
}

/** The `{param}` names of an endpoint template, in order. */
export function pathParameterNames(endpoint: string): string[] {
  return [...endpoint.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
}
