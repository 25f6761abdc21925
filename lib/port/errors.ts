import { TideError } from "../errors.ts";
/**
 * A request Port answered with an error that cannot be reported per entity: a failed token
 * request, a 401 after one refresh, or any non-2xx on a route without per-item results
 * (search, blueprints, integration). Carries Port's status, error code, message and trace id;
 * never a token or a client secret.
 *
 * @example
 * try { await client.createBlueprint(blueprint); }
 * catch (error) { if (error instanceof PortApiError && error.status === 409) console.log("already there"); }
 */
export class PortApiError extends TideError {
  override readonly name = "PortApiError";
  readonly status: number;
  /** Port's `error` field, e.g. `invalid_request`, `not_found`, `unauthorized`. */
  readonly code: string;
  /** Port's `X-Trace-Id`: quote it when asking Port's support. */
  readonly traceId: string | undefined;
  readonly method: string;
  /** The path without its query string. */
  readonly path: string;
  /** Port's own message. */
  readonly portMessage: string;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    traceId?: string;
    method: string;
    path: string;
  }) {
    const trace = init.traceId ? ` (trace ${init.traceId})` : "";
    super(`Port ${init.status} ${init.code} on ${init.method} ${init.path}${trace}: ${init.message}`);
    this.status = init.status;
    this.code = init.code;
    this.portMessage = init.message;
    this.traceId = init.traceId;
    this.method = init.method;
    this.path = init.path;
  }
}

/** The client is missing settings (environment variables or options); names them, never their values. */
export class PortConfigError extends TideError {
  override readonly name = "PortConfigError";
  /** The settings at fault, e.g. `["PORT_CLIENT_SECRET"]`. */
  readonly settings: string[];

  constructor(settings: string[], message: string) {
    super(message);
    this.settings = settings;
  }
}

/** Something the client refused to send because Port would reject it (a bad identifier, a bad option). */
export class PortValidationError extends TideError {
  override readonly name = "PortValidationError";
  /** The field at fault, e.g. `identifier`, `properties.my key`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}
