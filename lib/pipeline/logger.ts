/** The logging the pipeline needs: Powertools' Logger fits it, and so does a console shim. */
export interface Logger {
  debug(message: string, ...extra: Array<Record<string, unknown>>): void;
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

/** A logger that drops everything, for tests and library callers who did not ask for logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
