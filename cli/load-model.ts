// Imports a user's TypeScript model file with tsx (Node 20 cannot strip types itself).
//
// The model must see the very `scalify` module this CLI runs on: tracing works through module
// state (the active trace) and classes (Tensor, Spec), and a second copy of the library, which
// tsx's `tsImport` would load (each call gets a fresh module namespace, and the model's "scalify"
// may resolve to the sources or to another install), would not see our trace. So a resolve hook,
// registered after tsx's so that it runs first, sends the bare specifier "scalify" to our own
// entry point; everything else goes through tsx as usual. This also lets model files outside a
// project that has scalify installed import it.
//
// A .ts file outside a `"type": "module"` package is CommonJS to tsx, and CommonJS cannot load
// scalify (an ES module) on Node 20. Such model files are loaded as ES modules instead, so that a
// model in a scratch folder works. That needs tsx's namespace query on the URL (`tsx-namespace`,
// an internal of the pinned tsx 4.23; tests/cli covers it).
import { existsSync } from "node:fs";
import { register } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { register as registerTsx, type NamespacedUnregister } from "tsx/esm/api";
import { CliError, displayPath } from "./errors.js";

const NAMESPACE = "scalify-model";

const HOOKS = `
let scalify, namespace;
export function initialize(data) { ({ scalify, namespace } = data); }
export async function resolve(specifier, context, next) {
  if (specifier === "scalify") return { url: scalify, shortCircuit: true };
  const r = await next(specifier, context);
  if (r.format !== "commonjs" || !r.url.startsWith("file:")) return r;
  const path = new URL(r.url).pathname.replace(/%3F.*$/i, "");
  if (!/\.tsx?$/.test(path) || path.includes("/node_modules/")) return r;
  return { url: "file://" + path + "?tsx-namespace=" + namespace, format: "module", shortCircuit: true };
}`;

let tsx: NamespacedUnregister | undefined;

function loader(): NamespacedUnregister {
  if (tsx === undefined) {
    tsx = registerTsx({ namespace: NAMESPACE });
    register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { scalify: import.meta.resolve("../index.js"), namespace: NAMESPACE } });
  }
  return tsx;
}

/** The module namespace of `file` (a .ts or .js path). */
export async function importModel(file: string): Promise<Record<string, unknown>> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new CliError(`${displayPath(file)}: no such file`);
  try {
    return (await loader().import(pathToFileURL(abs).href, import.meta.url)) as Record<string, unknown>;
  } catch (e) {
    throw syntaxError(e) ?? e;
  }
}

/**
 * esbuild's syntax errors (through tsx) as one `file:line:col: message` line. Only the message
 * survives the loader thread, so it is read from there; esbuild's columns count from 0.
 */
function syntaxError(e: unknown): CliError | undefined {
  const m = e instanceof Error ? /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(e.message) : null;
  return m ? new CliError(`${displayPath(m[1]!)}:${m[2]}:${Number(m[3]) + 1}: ${m[4]}`, 1, { cause: e }) : undefined;
}
