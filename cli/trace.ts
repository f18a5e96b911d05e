// `scalify trace <model.ts>`: trace an exported function into the IR, with argument specs read
// from its TypeScript parameter types (and `--arg` on top).
import { Command } from "commander";
import { trace, verify, type Program } from "../index.js";
import { parameterNames } from "../compiler/trace.js";
import { parseArgOption, traceArgs, type ArgOverride, type Param } from "./arg-specs.js";
import { displayPath, locate, UsageError } from "./errors.js";
import { importModel } from "./load-model.js";
import { collect, formatOption, outputOption } from "./options.js";
import { emit, formatProgram, type Format } from "./output.js";
import { PASSES, type Pass } from "./passes.js";

interface TraceOptions {
  fn?: string;
  arg: string[];
  format: Format;
  output?: string;
  grad?: boolean;
  scalify?: boolean;
}

export function traceCommand(): Command {
  return new Command("trace")
    .description("trace an exported function of a TypeScript model file into the IR")
    .argument("<model>", "the model file (.ts or .js)")
    .option("--fn <name>", "the exported function to trace (default: the only one; with --grad, the one named `loss` or `…Loss` if there is one)")
    .option("--arg <NAME=TYPE>", "an argument's type, e.g. x=f32[8,784] or params.w1=f32[784,128], or a static NAME=3 (repeatable)", collect, [])
    .addOption(formatOption())
    .addOption(outputOption())
    .option("--grad", "differentiate: the program of the gradient with respect to the first argument (the function must return a scalar)")
    .option("--scalify", "apply the scalify transform (after --grad): every float input of the first argument (the parameters) becomes a ScaledArray (data, scale), and scales propagate through the program")
    .action((model: string, opts: TraceOptions) => runTrace(model, opts));
}

async function runTrace(model: string, opts: TraceOptions): Promise<void> {
  const passes = requestedPasses(opts); // before any slow work: an unavailable flag fails at once
  const overrides = opts.arg.map(parseArgOption);
  const mod = await locate(() => importModel(model), model, model);
  const [name, fn] = pickFunction(mod, opts.fn ?? (opts.grad ? lossFunction(mod) : undefined), model);
  const params = await locate(() => paramsOf(fn, name, model, overrides), model);
  const args = traceArgs(params, overrides);
  let program = await locate(() => trace(fn, ...args), model, model);
  for (const pass of passes) program = await locate(() => checked(pass(program)), model);
  emit(formatProgram(program, opts.format), opts.output);
}

/** The passes behind --grad and --scalify, in that order (grad first: scalify the training step). */
function requestedPasses(opts: TraceOptions): Pass[] {
  const wanted = [opts.grad && "grad", opts.scalify && "scalify"].filter((n): n is string => typeof n === "string");
  return wanted.map((n) => {
    const pass = PASSES[n];
    if (!pass) throw new UsageError(`--${n} is not available yet`);
    return pass;
  });
}

function checked(p: Program): Program {
  verify(p);
  return p;
}

type AnyFunction = (...a: unknown[]) => unknown;

function isPlainFunction(v: unknown): v is AnyFunction {
  return typeof v === "function" && !/^class\b/.test(Function.prototype.toString.call(v));
}

function pickFunction(mod: Record<string, unknown>, wanted: string | undefined, model: string): [string, AnyFunction] {
  const names = Object.keys(mod).filter((k) => isPlainFunction(mod[k])).sort();
  const list = names.length ? names.join(", ") : "none";
  if (wanted !== undefined) {
    const fn = mod[wanted];
    if (!isPlainFunction(fn)) throw new UsageError(`${displayPath(model)} exports no function ${JSON.stringify(wanted)} (exported functions: ${list})`);
    return [wanted, fn];
  }
  if (names.length !== 1) throw new UsageError(`${displayPath(model)} exports ${names.length ? "several functions" : "no function"} (${list}): choose one with --fn`);
  return [names[0]!, mod[names[0]!] as AnyFunction];
}

/** With --grad and no --fn: the one exported function named `loss` or `…Loss` (e.g. mlpLoss), if any. */
function lossFunction(mod: Record<string, unknown>): string | undefined {
  const losses = Object.keys(mod).filter((k) => /^(loss|.+Loss)$/.test(k) && isPlainFunction(mod[k]));
  return losses.length === 1 ? losses[0] : undefined;
}

/** Parameters and their types. ts-morph is skipped when --arg describes every parameter. */
async function paramsOf(fn: AnyFunction, name: string, model: string, overrides: ArgOverride[]): Promise<Param[]> {
  const fromRuntime = (): Param[] =>
    parameterNames(fn, fn.length).map((n) => ({ name: n, type: { kind: "missing", reason: "its declaration was not found in the source" }, optional: false }));
  const described = new Set(overrides.filter((o) => o.path.length === 1).map((o) => o.path[0]));
  if (fn.length > 0 && fromRuntime().every((p) => described.has(p.name))) return fromRuntime();
  const { readParams } = await import("./param-types.js");
  return (await readParams(model, name)) ?? fromRuntime();
}
