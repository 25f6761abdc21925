/** A JSON response: status and body. */
export type Reply = { status: number; body: unknown };

/** Port's error body: `{ok: false, error, message}`. */
export const fail = (status: number, error: string, message: string): Reply => ({
  status,
  body: { ok: false, error, message },
});

/** A body or query that does not match the route's schema. */
export const invalid = (message: string): Reply => fail(422, "invalid_request", message);
