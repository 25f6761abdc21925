/**
 * UNDOCUMENTED routes: Port serves them and Ocean (Port's own framework) calls them, but Port's
 * OpenAPI document does not list them. Their schemas are hand-written here, from what Ocean
 * sends, in the document's shape (OpenAPI operations) so that the same validator checks them.
 * They are guesses at Port's rules; everything documented comes from `port-openapi.yml`.
 */

const error = {
  type: "object",
  properties: { ok: { const: false }, error: { type: "string" }, message: { type: "string" } },
  required: ["ok", "error"],
  additionalProperties: false,
};
const errors = { "401": error, "404": error, "413": error, "422": error };
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const pathParam = (name: string) => ({ in: "path", name, required: true, schema: { type: "string" } });
const date = { anyOf: [{ type: "string", format: "date-time" }, { type: "number" }, { type: "null" }] };

/** OpenAPI path items, keyed by path template, as in the document's `paths`. */
export const UNDOCUMENTED_PATHS: Record<string, Record<string, unknown>> = {
  // Ocean: PATCH integration/{id}/resync-state (`intervalInMinuets` is Ocean's spelling).
  "/v1/integration/{identifier}/resync-state": {
    patch: {
      "x-undocumented": true,
      parameters: [pathParam("identifier")],
      requestBody: {
        required: true,
        ...json({
          type: "object",
          properties: {
            status: { enum: ["running", "completed", "failed", "aborted"] },
            lastResyncStart: date,
            lastResyncEnd: date,
            nextResync: date,
            intervalInMinuets: { type: ["number", "null"] },
            updatedAt: date,
          },
          required: ["status"],
          additionalProperties: false,
        }),
      },
      responses: {
        "200": json({
          type: "object",
          properties: { ok: { const: true }, integration: { type: "object" } },
          required: ["ok"],
        }),
        ...Object.fromEntries(Object.entries(errors).map(([s, e]) => [s, json(e)])),
      },
    },
  },
  // Ocean and the k8s exporter: every entity of a datasource across blueprints.
  "/v1/blueprints/entities/datasource-entities": {
    post: {
      "x-undocumented": true,
      requestBody: {
        required: true,
        ...json({
          type: "object",
          properties: {
            datasource_prefix: { type: "string" },
            datasource_suffix: { type: "string" },
            query: { type: "object" },
            limit: { type: "number", minimum: 1, maximum: 5000 },
            from: { type: "string" },
          },
          required: ["datasource_prefix"],
          additionalProperties: false,
        }),
      },
      responses: {},
    },
  },
  // Ocean: registers an installation.
  "/v1/integration": {
    post: {
      "x-undocumented": true,
      requestBody: {
        required: true,
        ...json({
          type: "object",
          properties: {
            installationId: { type: "string", minLength: 1 },
            installationAppType: { type: "string" },
            version: { type: "string" },
            title: { type: ["string", "null"] },
            changelogDestination: { type: "object" },
            config: { type: "object" },
          },
          required: ["installationId"],
          additionalProperties: false,
        }),
      },
      responses: {},
    },
  },
  // Ocean: example raw items per kind, for Port's mapping editor.
  "/v1/integration/{identifier}/kinds/{kind}/examples": {
    post: {
      "x-undocumented": true,
      parameters: [pathParam("identifier"), pathParam("kind")],
      requestBody: {
        required: true,
        ...json({
          type: "object",
          properties: { examples: { type: "array", maxItems: 10 } },
          required: ["examples"],
          additionalProperties: false,
        }),
      },
      responses: {},
    },
  },
};

/**
 * The logs route is posted to `logAttributes.ingestUrl` (any host and path Port hands out); the
 * emulator hands out its own `/logs/integration/{identifier}` and checks bodies against this.
 */
export const LOG_INGEST_BODY = {
  type: "object",
  properties: {
    logs: {
      type: "array",
      items: {
        type: "object",
        properties: {
          level: { type: "string" },
          message: { type: "string" },
          timestamp: { type: "string" },
          extra: { type: "object" },
        },
        required: ["level", "message", "timestamp"],
      },
    },
  },
  required: ["logs"],
};

// Ocean: `POST <logAttributes.ingestUrl>`; the emulator's ingest URL (UNDOCUMENTED, as above).
UNDOCUMENTED_PATHS["/logs/integration/{identifier}"] = {
  post: {
    "x-undocumented": true,
    parameters: [pathParam("identifier")],
    requestBody: { required: true, ...json(LOG_INGEST_BODY) },
    responses: {},
  },
};
