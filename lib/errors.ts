/**
 * The base of every error Tide throws on purpose: a bad config, a Port or source HTTP
 * failure, a bad message, a CLI usage mistake. Each subclass keeps its own `name` and fields;
 * this base lets a caller tell Tide's reported errors from bugs (a `TypeError`) in one check.
 * A leaf: it imports nothing, so every layer (the Port client and lib/http included) may extend it.
 *
 * @example
 * try {
 *   await compileConfig(config);
 * } catch (error) {
 *   if (error instanceof TideError) console.error(error.message);
 *   else throw error;
 * }
 */
export class TideError extends Error {
  override readonly name: string = "TideError";
}
