// `scalify transform <file> --pass NAME…`: apply program passes from the registry in order.
import { Command } from "commander";
import { verify } from "../index.js";
import { locate, UsageError } from "./errors.js";
import { loadProgram } from "./load-program.js";
import { collect, formatOption, outputOption } from "./options.js";
import { emit, formatProgram, type Format } from "./output.js";
import { passNames, PASSES } from "./passes.js";

export function transformCommand(): Command {
  return new Command("transform")
    .description("apply program passes (in the order given) and print the result")
    .argument("<file>", "the program file")
    .requiredOption("--pass <name>", "a pass to apply (repeatable, or comma-separated)", collect)
    .addOption(formatOption())
    .addOption(outputOption())
    .action(async (file: string, opts: { pass: string[]; format: Format; output?: string }) => {
      const names = opts.pass.flatMap((n) => n.split(",")).filter(Boolean);
      const available = passNames();
      if (available.length === 0) throw new UsageError(`no passes available yet: cannot apply ${names.join(", ")}`);
      const unknown = names.filter((n) => !(n in PASSES));
      if (unknown.length) throw new UsageError(`unknown pass ${unknown.join(", ")} (passes: ${available.join(", ")})`);
      let p = await loadProgram(file);
      for (const name of names)
        p = await locate(() => {
          const out = PASSES[name]!(p);
          verify(out); // a pass must hand on a valid program (the tinygrad rule: a validator between passes)
          return out;
        }, file);
      emit(formatProgram(p, opts.format), opts.output);
    });
}
