import { TideError } from "../errors.ts";
import type { SettingProblem } from "./types.ts";

/**
 * A source's settings are missing or invalid. Lists every problem, each naming its
 * environment variable; never includes the value of a sensitive setting.
 */
export class SettingsError extends TideError {
  override readonly name = "SettingsError";
  readonly source: string;
  readonly problems: readonly SettingProblem[];

  constructor(source: string, problems: SettingProblem[]) {
    const lines = problems.map((p) => `  - ${p.setting}: ${p.message}`);
    super(`invalid settings for the ${source} source:\n${lines.join("\n")}`);
    this.source = source;
    this.problems = problems;
  }
}

/** A resource's selector asks for something the kind does not support. */
export class SelectorError extends TideError {
  override readonly name = "SelectorError";
  readonly kind: string;
  readonly field: string;

  constructor(kind: string, field: string, value: unknown, allowed: readonly string[]) {
    super(`kind ${kind}: selector.${field} is ${JSON.stringify(value)}; use one of ${allowed.join(", ")}`);
    this.kind = kind;
    this.field = field;
  }
}

/** A kind, a source or a partition that does not exist, or a partitioned kind asked for without one. */
export class UnknownNameError extends TideError {
  override readonly name = "UnknownNameError";

  constructor(what: string, name: string, known: readonly string[]) {
    super(`unknown ${what} ${JSON.stringify(name)}; known: ${known.join(", ") || "(none)"}`);
  }
}

export class PartitionRequiredError extends TideError {
  override readonly name = "PartitionRequiredError";
  readonly kind: string;

  constructor(kind: string) {
    super(`kind ${kind} is partitioned: pages() needs one of the keys its partitions() yields`);
    this.kind = kind;
  }
}

/**
 * The third-party API answered a request with a status the source cannot go on from (after
 * retries). Names the method, the path (without its query string), the status and the API's
 * own message and request id; never a credential.
 */
export class SourceHttpError extends TideError {
  override readonly name = "SourceHttpError";
  readonly source: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly requestId: string | undefined;

  constructor(options: {
    source: string;
    method: string;
    path: string;
    status: number;
    apiMessage?: string;
    requestId?: string;
    hint?: string;
  }) {
    const { source, method, path, status, apiMessage, requestId, hint } = options;
    const said = apiMessage ? `: ${apiMessage}` : "";
    const id = requestId ? ` (request id ${requestId})` : "";
    super(`${source}: ${method} ${path} answered ${status}${said}${id}${hint ? `. ${hint}` : ""}`);
    this.source = source;
    this.method = method;
    this.path = path;
    this.status = status;
    this.requestId = requestId;
  }
}

/** A kind whose pages cannot be read a second time: the absence of its items cannot be confirmed. */
export class CannotListAgainError extends TideError {
  override readonly name = "CannotListAgainError";
  readonly kind: string;

  constructor(kind: string) {
    super(`kind ${kind} cannot be listed again (listAgain: false): its absent items are kept, not deleted`);
    this.kind = kind;
  }
}
