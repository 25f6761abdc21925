import { type Jq, loadJq } from "jq-wasm";
import { TideError } from "../errors.ts";

/**
 * The jq engine: jq 1.8.2 compiled to WebAssembly (`jq-wasm`, pinned). One instance per
 * process; every call is synchronous and costs ~1 ms of fixed overhead (jq parses its
 * builtins and the program each time), which is why mappings run over whole batches.
 */

let engine: Promise<Jq> | undefined;

export function jqEngine(): Promise<Jq> {
  engine ??= loadJq().catch((error: unknown) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

/**
 * Prepended to every program. Mappings see no environment (Lambda's holds credentials) and
 * cannot read past their own item or stop the engine halfway through a batch.
 */
export const PRELUDE = [
  "def env: {};",
  'def input: error("input is not available in a mapping");',
  'def inputs: error("inputs is not available in a mapping");',
  'def halt: error("halt is not available in a mapping");',
  'def halt_error: error("halt_error is not available in a mapping");',
  "def halt_error($code): halt_error;",
  "def input_filename: null;",
  "{} as $ENV |",
].join(" ");

/** Embeds a user's expression; the newlines keep a trailing `# comment` from swallowing the `)`. */
export function embed(expression: string): string {
  return `(\n${expression}\n)`;
}

/** A program failed to run as a whole (not one item's field: those are caught inside it). */
export class JqRunError extends TideError {
  override readonly name = "JqRunError";
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.stderr = stderr;
  }
}

/**
 * Runs `program` over newline-separated JSON texts, expecting exactly one output per text.
 * Returns jq's compact output as is (one JSON text per line).
 */
export function runBatch(jq: Jq, input: string, program: string, expected: number): string {
  const { stdout, stderr, exitCode } = jq.raw(input, program, ["-c"]);
  if (exitCode !== 0) throw new JqRunError(`jq failed (exit ${exitCode}): ${firstError(stderr)}`, stderr);
  let lines = stdout === "" ? 0 : 1;
  for (let i = stdout.indexOf("\n"); i !== -1; i = stdout.indexOf("\n", i + 1)) lines++;
  if (lines !== expected) throw new JqRunError(`jq produced ${lines} results for ${expected} items`, stderr);
  return stdout;
}

/** Parses {@link runBatch}'s output in one go (compact jq output never has a raw newline inside a value). */
export function parseBatch(stdout: string): unknown[] {
  return stdout === "" ? [] : (JSON.parse(`[${stdout.replaceAll("\n", ",")}]`) as unknown[]);
}

/**
 * Why an expression does not compile, in one line with its position in the expression,
 * or undefined when it compiles.
 *
 * @example
 * compileProblem(jq, ".name | ascii_downcas"); // "ascii_downcas/0 is not defined at column 9"
 */
export function compileProblem(jq: Jq, expression: string): string | undefined {
  if (expression.trim() === "") return "the expression is empty";
  // Compiled standalone after the prelude, as Ocean compiles it, so an expression cannot
  // borrow a parenthesis from the program around it. No input: nothing runs.
  const { exitCode, stderr } = jq.raw("", `${PRELUDE}\n${expression}`, ["-c"]);
  if (exitCode === 0) return undefined;
  const lines = expression.split("\n").length;
  return firstError(stderr).replace(
    / at <top-level>, line (\d+)(?:, column (\d+))?:?$/,
    (_m, line, column) => {
      const at = Number(line) - 1;
      if (at < 1 || at > lines) return " at the end of the expression";
      const where = [lines > 1 ? `line ${at}` : "", column ? `column ${column}` : ""]
        .filter(Boolean)
        .join(", ");
      return where ? ` at ${where}` : "";
    },
  );
}

function firstError(stderr: string): string {
  const line = stderr.split("\n").find((l) => l.startsWith("jq: error")) ?? stderr.split("\n")[0] ?? "";
  return line
    .replace(/^jq: error(?: \(at [^)]*\))?: /, "")
    .replace(" (Unix shell quoting issues?)", "")
    .trim();
}
