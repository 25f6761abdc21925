import type { HttpRequest } from "../http/index.ts";
import { PortApiError } from "./errors.ts";

/** A request to Port, before auth is added. */
export type PortCall = Pick<
  HttpRequest,
  "method" | "path" | "query" | "body" | "json" | "signal" | "waitBudgetMs"
>;

/** Port's answer, its JSON body parsed (undefined when it was not JSON). */
export interface PortReply {
  status: number;
  body: unknown;
  traceId: string | undefined;
  method: string;
  path: string;
}

/**
 * What the entity operations need from the client: authenticated requests (401 → one token
 * refresh → one retry, then {@link PortApiError}) and the client-wide concurrency bound.
 */
export interface PortTransport {
  send(call: PortCall): Promise<PortReply>;
  limit<T>(task: () => Promise<T>): Promise<T>;
  /** Removes secrets from text that came back from Port. */
  redact(text: string): string;
}

/** Port's `{ok: false, error, message}`, read defensively. */
export function errorFields(reply: PortReply): { code: string; message: string } {
  const body = (reply.body ?? {}) as { error?: unknown; message?: unknown };
  return {
    code: typeof body.error === "string" ? body.error : `http_${reply.status}`,
    message: typeof body.message === "string" ? body.message : `HTTP ${reply.status}`,
  };
}

export function toApiError(reply: PortReply, redact: (text: string) => string): PortApiError {
  const { code, message } = errorFields(reply);
  return new PortApiError({
    status: reply.status,
    code,
    message: redact(message),
    traceId: reply.traceId,
    method: reply.method,
    path: reply.path,
  });
}

/** Whether a final status is worth trying again later (the client already retried it). */
export const isTransientStatus = (status: number | undefined): boolean =>
  status === undefined || status === 408 || status === 429 || status >= 500;

/** `/v1/blueprints/{blueprint}` with the identifier URL-encoded. */
export const blueprintPath = (blueprint: string): string => `/v1/blueprints/${encodeURIComponent(blueprint)}`;
