import { Agent, type Dispatcher } from "undici";

let shared: Agent | undefined;

/**
 * The process-wide connection pool. Created once and kept for the life of the process, so a
 * warm Lambda container reuses its keep-alive connections across invocations.
 */
export function sharedDispatcher(): Dispatcher {
  shared ??= new Agent({
    connections: 64,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: 10_000 },
  });
  return shared;
}
