// `scalify print <file>`: convert a program between its text, JSON and Graphviz forms.
import { Command } from "commander";
import { loadProgram } from "./load-program.js";
import { formatOption, outputOption } from "./options.js";
import { emit, formatProgram, type Format } from "./output.js";

export function printCommand(): Command {
  return new Command("print")
    .description("print a program (IR text or JSON) as text, JSON or Graphviz dot")
    .argument("<file>", "the program file")
    .addOption(formatOption())
    .addOption(outputOption())
    .action(async (file: string, opts: { format: Format; output?: string }) => {
      emit(formatProgram(await loadProgram(file), opts.format), opts.output);
    });
}
