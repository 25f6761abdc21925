import { z } from "zod";
import { validatePropertyIdentifier } from "../port/identifiers.ts";
import type { PortAppConfig, SearchQueryMapping, SearchRuleMapping } from "./types.ts";

/**
 * The zod schema of `port-app-config.yml`, after Port Ocean's pydantic models: the same
 * fields, aliases and defaults. Unknown keys under a resource are dropped, as pydantic drops
 * them for Ocean (`unknown-keys.ts` warns about each); top-level keys and selector options
 * pass through to the source.
 */

/** A jq expression. YAML numbers and booleans are their own jq literals (`5`, `true`). */
const jq = z.preprocess(
  (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v),
  z.string({ error: "must be a jq expression (a string)" }),
);

const optionalJq = jq.nullish().transform((v) => v ?? undefined);

const rule: z.ZodType<SearchRuleMapping> = z.object({
  property: jq,
  operator: jq,
  value: jq.optional(),
});

const searchQuery: z.ZodType<SearchQueryMapping> = z.object({
  combinator: jq,
  rules: z
    .array(
      z.union([z.lazy(() => searchQuery), rule], { error: "must be a rule {property, operator, value}" }),
    )
    .min(1, { error: "must list at least one rule" }),
});

const jqOrQuery = z.union([jq, searchQuery], {
  error: "must be a jq expression or a search query {combinator, rules}",
});

const propertyName = z.string().superRefine((key, ctx) => {
  const problem = validatePropertyIdentifier(key);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const mappings = z.object({
  identifier: jqOrQuery,
  blueprint: jq,
  title: optionalJq,
  icon: optionalJq,
  team: jqOrQuery.nullish().transform((v) => v ?? undefined),
  properties: z
    .record(propertyName, jq)
    .nullish()
    .transform((v) => v ?? {}),
  relations: z
    .record(propertyName, jqOrQuery)
    .nullish()
    .transform((v) => v ?? {}),
});

const resource = z.object({
  kind: z.string({ error: "must be a kind name (a string)" }).min(1, { error: "must not be empty" }),
  selector: z.looseObject({ query: jq }),
  port: z.object({
    entity: z.object({ mappings }),
    itemsToParse: optionalJq,
    itemsToParseName: z.string().min(1, { error: "must not be empty" }).default("item"),
    itemsToParseTopLevelTransform: z.boolean().default(true),
  }),
});

const flag = z.boolean({ error: "must be true or false" });

export const portAppConfigSchema = z.looseObject({
  enableMergeEntity: flag.default(true),
  deleteDependentEntities: flag.default(true),
  createMissingRelatedEntities: flag.default(true),
  entityDeletionThreshold: z
    .number({ error: "must be a number between 0 and 1" })
    .min(0, { error: "must be between 0 and 1" })
    .max(1, { error: "must be between 0 and 1" })
    .default(0.9),
  resources: z
    .array(resource)
    .nullish()
    .transform((v) => v ?? []),
});

// The schema's output must be exactly the documented, JSON-serialisable PortAppConfig.
export type ParsedConfig = z.output<typeof portAppConfigSchema>;
const _sameShape = (c: ParsedConfig): PortAppConfig => c;
void _sameShape;
