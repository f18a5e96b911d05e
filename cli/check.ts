// `scalify check <file>`: parse (text or JSON) and verify a program.
import { Command } from "commander";
import { loadProgram } from "./load-program.js";

export function checkCommand(): Command {
  return new Command("check")
    .description("parse and verify a program (IR text or JSON); errors as file:line:col")
    .argument("<file>", "the program file")
    .action(async (file: string) => {
      const p = await loadProgram(file);
      process.stdout.write(`ok: ${p.equations.length} equation${p.equations.length === 1 ? "" : "s"}\n`);
    });
}
