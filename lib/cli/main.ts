import pkg from "../../package.json" with { type: "json" };
import { PortMappingError } from "../integration/errors.ts";
import { ConfigError } from "../mapping/errors.ts";
import { CliError, type CliIO, type Command, EXIT, processIO } from "./command.ts";
import { configCommand } from "./commands/config.ts";
import { dlqCommand } from "./commands/dlq.ts";
import { mapCommand } from "./commands/map.ts";
import { newCommand } from "./commands/new.ts";
import { resyncCommand } from "./commands/resync.ts";
import { runsCommand } from "./commands/runs.ts";
import { serveCommand } from "./commands/serve.ts";
import { setupCommand } from "./commands/setup.ts";
import { statusCommand } from "./commands/status.ts";
import { validateCommand } from "./commands/validate.ts";

/**
 * Every `tide` command, in the order `tide --help` lists them.
 * New commands (resync, status, setup) are added here: a `Command` in `commands/<name>.ts`.
 */
export const commands: Command[] = [
  resyncCommand,
  statusCommand,
  runsCommand,
  dlqCommand,
  setupCommand,
  validateCommand,
  mapCommand,
  serveCommand,
  newCommand,
  configCommand,
];

const HELP = (list: Command[]) => `tide: keep a Port software catalog in sync with your systems, serverlessly.

Usage: tide <command> [options]

Commands:
${list.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n")}

Options:
  -h, --help       Show this help; \`tide <command> --help\` shows a command's
  -V, --version    Print tide's version
      --verbose    Print details (such as stack traces) along with errors

Exit codes: 0 ok, 1 failed or partial, 2 bad usage or config.
`;

/**
 * Runs `tide` with the given arguments and resolves to the exit code. Never throws: every
 * error becomes a message on stderr (a stack trace only with `--verbose`).
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: string[], io: Partial<CliIO> = {}): Promise<number> {
  const verbose = argv.includes("--verbose");
  const cli: CliIO = { ...processIO(), ...io, verbose: verbose || (io.verbose ?? false) };
  const args = argv.filter((a) => a !== "--verbose");
  const [name, ...rest] = args;

  if (name === undefined) {
    cli.stderr.write(HELP(commands));
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const target = rest[0] === undefined ? undefined : commands.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !target) return unknownCommand(cli, rest[0]);
    cli.stdout.write(target ? target.usage : HELP(commands));
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    cli.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (name.startsWith("-")) {
    cli.stderr.write(`tide: unknown option ${name} (see tide --help)\n`);
    return EXIT.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return unknownCommand(cli, name);
  if (rest.includes("--help") || rest.includes("-h")) {
    cli.stdout.write(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, cli);
  } catch (error) {
    return report(cli, command, error);
  }
}

function report(io: CliIO, command: Command, error: unknown): number {
  if (error instanceof ConfigError) {
    for (const line of error.lines()) io.stderr.write(`${line}\n`);
    return EXIT.usage;
  }
  if (error instanceof PortMappingError) {
    io.stderr.write(`tide ${command.name}: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    const hint = error.exitCode === EXIT.usage ? ` (see tide ${command.name} --help)` : "";
    io.stderr.write(`tide ${command.name}: ${error.message}${hint}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`tide ${command.name}: ${message}\n`);
  if (io.verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write("(run again with --verbose for details)\n");
  return EXIT.failed;
}

function unknownCommand(io: CliIO, name: string): number {
  io.stderr.write(`tide: unknown command ${name} (commands: ${commands.map((c) => c.name).join(", ")})\n`);
  return EXIT.usage;
}

function version(): string {
  return pkg.version;
}
