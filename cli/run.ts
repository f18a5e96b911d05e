// `scalify run <file> --input NAME=FILE…`: run a program on inputs from .npy or .json files and
// write its outputs as .npy.
import { defaultBackend } from "../compiler/api.js";
import { mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
import { array, errors, run, tree, type Program, type Tensor } from "../index.js";
import { size, type Aval } from "../ir/shape.js";
import { leafPaths, type TreeDef } from "../ir/tree.js";
import { readNpy, readScaledNpy, writeNpy } from "../runtime/npy.js";
import { CliError, displayPath, formatError, locate, UsageError } from "./errors.js";
import { loadProgram } from "./load-program.js";
import { collect } from "./options.js";
import { describeTensor } from "./summary.js";

interface RunOptions {
  input: string[];
  out: string;
  backend: "reference" | "native";
}

export function runCommand(): Command {
  return new Command("run")
    .description("run a program on inputs from .npy/.json files; outputs are written as .npy")
    .argument("<file>", "the program file (IR text or JSON)")
    .option("--input <NAME=FILE>", "an input by its name in the program, e.g. x=x.npy or params.w1=w1.json (repeatable)", collect, [])
    .option("--out <dir>", "where to write the outputs", ".")
    .addOption(new Option("--backend <backend>", "the backend").choices(["reference", "native"]).default(defaultBackend(), "native when the addon is built"))
    .action(async (file: string, opts: RunOptions) => {
      const program = await loadProgram(file);
      const inputs = loadInputs(program, opts.input);
      const outputs = await locate(() => tree.leaves(run(program, inputs, { backend: opts.backend })) as Tensor[], file);
      mkdirSync(opts.out, { recursive: true });
      outputNames(program.outTree).forEach((name, i) => {
        const target = path.join(opts.out, `${name}.npy`);
        writeNpy(target, outputs[i]!);
        process.stdout.write(`${name}: ${describeTensor(outputs[i]!)} → ${displayPath(target)}\n`);
      });
    });
}

/** A record keyed by input name, as `sf.run` takes it. */
function loadInputs(program: Program, specs: string[]): Record<string, Tensor> {
  const avals = new Map(program.inputNames.map((n, i) => [n, program.inputs[i]!.aval]));
  const record: Record<string, Tensor> = {};
  for (const text of specs) {
    const eq = text.indexOf("=");
    // A single-input program may omit the name.
    const [name, file] = eq > 0 ? [text.slice(0, eq), text.slice(eq + 1)] : program.inputNames.length === 1 ? [program.inputNames[0]!, text] : ["", ""];
    if (!file) throw new UsageError(`--input ${text}: expected NAME=FILE (inputs: ${program.inputNames.join(", ")})`);
    const aval = avals.get(name);
    if (aval) record[name] = inputError(() => readInput(file, aval));
    else if (avals.has(`${name}.data`) && avals.has(`${name}.scale`)) {
      // A ScaledArray input: NAME.data.npy and NAME.scale.npy.
      const s = inputError(() => readScaledNpy(file));
      [record[`${name}.data`], record[`${name}.scale`]] = [s.data, s.scale];
    } else throw new UsageError(`--input ${text}: the program has no input ${JSON.stringify(name)} (inputs: ${program.inputNames.join(", ")})`);
  }
  const missing = program.inputNames.filter((n) => !(n in record));
  if (missing.length) throw new UsageError(`missing --input for ${missing.join(", ")}`);
  return record;
}

function readInput(file: string, aval: Aval): Tensor {
  if (!file.endsWith(".json")) return readNpy(file);
  try {
    const values = JSON.parse(readFileSync(file, "utf8"));
    // A flat list (or a number) fills the input's shape; nested lists keep their own shape.
    const flat = !Array.isArray(values) || !values.some(Array.isArray);
    const count = Array.isArray(values) ? values.length : 1;
    return array(values, { dtype: aval.dtype, ...(flat && count === size(aval.shape) ? { shape: aval.shape } : {}) });
  } catch (e) {
    if (e instanceof errors.ValidationError) throw new errors.ValidationError(e.detail, `${displayPath(file)}: ${e.path}`);
    if (e instanceof SyntaxError) throw new errors.ValidationError(`invalid JSON: ${e.message}`, displayPath(file));
    throw e;
  }
}

/** Input files' errors name the file themselves (npy and JSON errors carry it in their path). */
function inputError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new CliError(formatError(e), 1, { cause: e });
  }
}

/**
 * File names for the outputs: positional outputs are out0, out1, …; object outputs use their
 * tree path (`loss`, `grads.w1`); a ScaledArray gives NAME.data and NAME.scale (its .npy pair).
 */
export function outputNames(t: TreeDef): string[] {
  const top: TreeDef = t.kind === "object" ? t : { kind: "array", children: t.kind === "array" ? t.children : [t] };
  return leafPaths(top).map((p) =>
    p
      .replace(/^\[(\d+)\]/, "out$1")
      .replace(/\[(\d+)\]/g, ".$1")
      .replace(/[^\w.$-]/g, "_"),
  );
}
