/** The logging the pipeline needs: Powertools' Logger fits it, and so does a console shim. */
export interface Logger {
  debug(message: string, ...extra: object[]): void;
  info(message: string, ...extra: object[]): void;
  warn(message: string, ...extra: object[]): void;
  error(message: string, ...extra: object[]): void;
}

/** A logger that drops everything, for tests and library callers who did not ask for logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
