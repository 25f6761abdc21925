import { type ParseArgsConfig, parseArgs } from "node:util";
import { TideError } from "../errors.ts";

/** Where a command reads and writes: the process in `bin/tide.js`, buffers in tests. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Relative paths in flags resolve against this directory. */
  cwd: string;
  /** `--verbose` was given: print detail (stack traces) for unexpected errors. */
  verbose: boolean;
  /** For `--input -`. */
  stdin?: AsyncIterable<string | Uint8Array>;
}

/** The real process's streams and environment. */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    verbose: false,
    stdin: process.stdin,
  };
}

/**
 * One `tide` subcommand. `run` returns the exit code: 0 ok, 1 failed or partial, 2 bad
 * usage or config. It throws {@link UsageError} for a user mistake in its flags.
 */
export interface Command {
  name: string;
  /** One line for `tide --help`. */
  summary: string;
  /** The full `tide <name> --help` text, with examples. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

/** An expected failure: printed as one line (no stack trace), exiting with `exitCode`. */
export class CliError extends TideError {
  override readonly name: string = "CliError";
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A mistake in how the command was called (flags, input files): exit code 2. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(message, 2);
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `node:util` parseArgs with its errors turned into one-line {@link UsageError}s.
 *
 * @example
 * const { values } = parseFlags(argv, { config: { type: "string" }, json: { type: "boolean" } });
 */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (!code.startsWith("ERR_PARSE_ARGS")) throw error;
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new UsageError(`unknown option ${unknown[1]}`);
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    if (positional) throw new UsageError(`unexpected argument ${positional[1]}`);
    const missing = /Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(
      message,
    );
    if (missing) throw new UsageError(`${missing[1]} needs a value`);
    throw new UsageError((message.split(/\.\s/)[0] ?? message).replace(/^Option /, "option "));
  }
}

/** A required string flag, or a usage error naming it. */
export function required(value: string | boolean | undefined | (string | boolean)[], flag: string): string {
  if (typeof value !== "string" || value === "") throw new UsageError(`${flag} is required`);
  return value;
}
