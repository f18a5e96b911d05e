#!/usr/bin/env node
// The `scalify` command: wires the subcommands (one file each) and turns failures into exit codes:
// 0 ok, 1 an error (one line, file:line:col where there is one), 2 a usage error.
import { Command, CommanderError } from "commander";
import { checkCommand } from "./check.js";
import { demoCommand } from "./demo.js";
import { CliError, formatError, UsageError } from "./errors.js";
import { printCommand } from "./print.js";
import { runCommand } from "./run.js";
import { trainCommand } from "./train.js";
import { traceCommand } from "./trace.js";
import { transformCommand } from "./transform.js";

const COMMANDS = [traceCommand, checkCommand, printCommand, runCommand, transformCommand, demoCommand, trainCommand];

/** A message that starts with its location stays as it is; others are prefixed with the command. */
const LOCATED = /^[^\s:]+:\d+:\d+: /;

async function main(argv: string[]): Promise<number> {
  const program = new Command("scalify")
    .description("scale propagation for low-precision training: trace, check, transform and run programs")
    .option("--debug", "print stack traces")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  let current = "scalify";
  program.hook("preAction", (_, action) => {
    current = `scalify ${action.name()}`;
  });
  for (const make of COMMANDS) program.addCommand(make().copyInheritedSettings(program));

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const debug = program.opts().debug === true || argv.includes("--debug");
    // commander has printed its own message (or the help) already.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const line = e instanceof UsageError ? (LOCATED.test(e.message) ? e.message : `${current}: ${e.message}`) : formatError(e);
    process.stderr.write(`${line}\n`);
    if (debug) process.stderr.write(`${stackOf(e instanceof CliError && e.cause !== undefined ? e.cause : e)}\n`);
    return e instanceof UsageError ? 2 : e instanceof CliError ? e.exitCode : 1;
  }
}

function stackOf(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

process.exitCode = await main(process.argv);
