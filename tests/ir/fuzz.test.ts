// Fuzzing the parser and fromJSON with random edits of valid IR (seeded, so runs are repeatable).
// Every input must end in a valid program (which then verifies and round-trips) or in a
// ParseError / ValidationError carrying a location; nothing else may be thrown, nothing may hang.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DTYPES } from "../../ir/dtype.js";
import { ParseError, ValidationError } from "../../ir/errors.js";
import { fromJSON, toJSON } from "../../ir/json.js";
import { parse } from "../../ir/parse.js";
import { PRIMITIVES } from "../../ir/primitives/catalogue.js";
import { print } from "../../ir/print.js";
import type { Program } from "../../ir/program.js";
import { KEYWORDS } from "../../ir/syntax.js";
import { verify } from "../../ir/verify.js";
import { allPrimitivesProgram } from "./all-primitives.js";
import { goldenIrFiles } from "./goldens.js";
import { rng } from "../support/random.js";

const TEXT_CASES = 6000;
const JSON_CASES = 4000; // 10,000 in all
/** ~50 s for the texts on an idle 2-core machine: well past vitest's default when the machine is shared. */
const FUZZ_TIMEOUT = 300_000;

function prng(seed: number) {
  const next = rng(seed);
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

// ---- seeds ----
const docExamples = [...readFileSync(new URL("../../docs/ir-format.md", import.meta.url), "utf8").matchAll(/```ir\n([\s\S]*?)```/g)].map((m) => m[1]!);
const allText = print(allPrimitivesProgram());
const SEED_TEXTS = [allText, print(parse(allText), { callSites: true }), ...docExamples, ...goldenIrFiles().map((f) => readFileSync(f, "utf8"))];
const SEED_JSON = SEED_TEXTS.map((t) => JSON.parse(JSON.stringify(toJSON(parse(t)))) as unknown);

// ---- text mutations ----
const TOKEN = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|"(?:[^"\\\n]|\\.)*"|\s+|./g;
const CHARS = [..."abcxyz019_$-+.e[](){},:=*#\"\\ \n\t;"];
const WORDS = [...PRIMITIVES, ...DTYPES, ...KEYWORDS, "in_tree", "out_tree", "ScaledArray", "a", "b", "zz", "axes", "shape"];
const NUMBERS = ["0", "1", "2", "3", "-1", "7", "1.5", "1e400", "2147483648", "99999999999999999999", "0.0", "-0.0", "nan", "-inf", "4294967295"];
// Tokenised once per seed; token edits work on a copy of the array (re-tokenising 6 kB per case
// would cost more than parsing it).
const SEED_TOKENS = SEED_TEXTS.map((t) => t.match(TOKEN) ?? []);
const SEED_NAMES = SEED_TOKENS.map((toks) => [...new Set(toks.filter((x) => /^[A-Za-z]/.test(x)))]);

function mutateText(seed: number, rng: Rng): string {
  const toks = SEED_TOKENS[seed]!.slice();
  const edits = 1 + rng.int(3);
  const charEdits = Array.from({ length: edits }, () => rng.chance(0.4)).filter(Boolean).length;
  for (let k = charEdits; k < edits; k++) {
    const i = rng.int(toks.length);
    const t = toks[i]!;
    switch (rng.int(5)) {
      case 0:
        toks.splice(i, 1);
        break;
      case 1:
        toks.splice(i, 0, t);
        break;
      case 2: {
        const j = rng.int(toks.length);
        [toks[i], toks[j]] = [toks[j]!, t];
        break;
      }
      case 3: // change a number (or put one somewhere)
        if (/^[0-9]/.test(t) || rng.chance(0.2)) toks[i] = rng.pick(NUMBERS);
        break;
      default: // replace a name
        if (/^[A-Za-z_$]/.test(t) || rng.chance(0.2)) toks[i] = rng.chance(0.5) ? rng.pick(WORDS) : rng.pick(SEED_NAMES[seed]!);
    }
  }
  let text = toks.join("");
  for (let k = 0; k < charEdits; k++) {
    const i = rng.int(text.length + 1);
    const j = Math.min(text.length, i + 1 + rng.int(20));
    switch (rng.int(4)) {
      case 0:
        text = text.slice(0, i) + text.slice(j);
        break;
      case 1:
        text = text.slice(0, i) + rng.pick(CHARS) + text.slice(i);
        break;
      case 2:
        text = text.slice(0, j) + text.slice(i, j) + text.slice(j);
        break;
      default:
        if (i + 1 < text.length) text = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
    }
  }
  return text;
}

// ---- JSON mutations ----
type Key = string | number;
type Container = Record<Key, unknown>;
const VALUES: unknown[] = [0, 1, -1, 2, 1.5, -0.5, 2 ** 31, "x", "", "a", "b", "nan", "-0.0", "inf", "f16", "i32", "bool", "add", null, true, false, [], {}, [0], { kind: "leaf" }];
const STRINGS = VALUES.filter((x) => typeof x === "string");

/** Every path into a document (below a `{doc}` wrapper), computed once per seed. */
function paths(v: unknown, prefix: Key[], out: Key[][]): Key[][] {
  if (typeof v === "object" && v !== null)
    for (const [k, x] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(x, p, out);
    }
  return out;
}
const SEED_PATHS = SEED_JSON.map((d) => paths({ doc: d }, [], []));

/** Shallow-copies the containers along `path`, so edits never touch the seed (or shared parts). */
function resolveCopy(root: Container, path: readonly Key[]): { parent: Container; key: Key } | undefined {
  let cur = root;
  for (let i = 0; i < path.length - 1; i++) {
    const child = cur[path[i]!];
    if (typeof child !== "object" || child === null) return undefined;
    const copy = (Array.isArray(child) ? child.slice() : { ...child }) as Container;
    cur[path[i]!] = copy;
    cur = copy;
  }
  const key = path[path.length - 1]!;
  return Object.prototype.hasOwnProperty.call(cur, key) ? { parent: cur, key } : undefined;
}

function lookup(root: unknown, path: readonly Key[]): unknown {
  let cur = root;
  for (const k of path) cur = typeof cur === "object" && cur !== null ? (cur as Container)[k] : undefined;
  return cur;
}

function mutateJSON(seed: number, rng: Rng): unknown {
  const root: Container = { doc: SEED_JSON[seed] };
  const all = SEED_PATHS[seed]!;
  const edits = 1 + rng.int(3);
  for (let k = 0; k < edits; k++) {
    const at = resolveCopy(root, rng.pick(all));
    if (!at) continue;
    const { parent, key } = at;
    const v = parent[key];
    switch (rng.int(5)) {
      case 0: // delete
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 1: // change type
        parent[key] = structuredClone(rng.pick(VALUES));
        break;
      case 2: // change value, keeping the type
        if (typeof v === "number") parent[key] = rng.pick([v + 1, v - 1, -v, v * 2, 0, 2 ** 53]);
        else if (typeof v === "string") parent[key] = rng.chance(0.5) ? rng.pick(STRINGS) : String(rng.pick(rng.pick(all)));
        else if (typeof v === "boolean") parent[key] = !v;
        else if (Array.isArray(v) && v.length > 0) parent[key] = [...v, rng.pick(v)];
        break;
      case 3: // add a key or element
        if (Array.isArray(parent)) parent.push(structuredClone(rng.pick(VALUES)));
        else parent[rng.pick(["extra", "var", "kind", "literal", "axes", "$program"])] = structuredClone(rng.pick(VALUES));
        break;
      default: // copy another part of the document here (a variable name, a whole equation, …)
        parent[key] = lookup(root, rng.pick(all));
    }
  }
  return root.doc;
}

// Wall time varies with the machine's load; CPU time is what the test itself costs.
function elapsed(t0: number, cpu0: NodeJS.CpuUsage): string {
  const cpu = process.cpuUsage(cpu0);
  return `${(performance.now() - t0).toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`;
}

// ---- checks ----
function checkRoundTrip(p: Program, failures: string[], input: string): void {
  try {
    verify(p);
    const text = print(p);
    const again = print(parse(text));
    if (again !== text) failures.push(`print(parse(print(p))) differs for:\n${input}`);
    const viaJSON = print(fromJSON(JSON.parse(JSON.stringify(toJSON(p)))));
    if (viaJSON !== text) failures.push(`JSON round trip differs for:\n${input}`);
  } catch (e) {
    failures.push(`accepted program fails afterwards (${String(e)}):\n${input}`);
  }
}

describe("fuzz", () => {
  it(`parses ${TEXT_CASES} mutated IR texts without surprises`, () => {
    const rng = prng(0x5ca1f1);
    const failures: string[] = [];
    let accepted = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let n = 0; n < TEXT_CASES && failures.length < 5; n++) {
      const text = mutateText(rng.int(SEED_TEXTS.length), rng);
      let p: Program;
      try {
        p = parse(text);
      } catch (e) {
        const lines = text.split("\n").length;
        if (!(e instanceof ParseError)) failures.push(`threw ${String(e)} for:\n${text}`);
        else if (!(e.line >= 1 && e.line <= lines && e.col >= 1) || e.detail.startsWith("internal error")) failures.push(`bad ParseError ${e.message} for:\n${text}`);
        continue;
      }
      accepted++;
      checkRoundTrip(p, failures, text);
    }
    console.log(`fuzz text: ${TEXT_CASES} inputs, ${accepted} accepted, ${elapsed(t0, cpu0)}`);
    expect(failures).toEqual([]);
  }, FUZZ_TIMEOUT);

  it(`reads ${JSON_CASES} mutated JSON documents without surprises`, () => {
    const rng = prng(0x15a11d);
    const failures: string[] = [];
    let accepted = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let n = 0; n < JSON_CASES && failures.length < 5; n++) {
      const doc = mutateJSON(rng.int(SEED_JSON.length), rng);
      let p: Program;
      try {
        p = fromJSON(doc);
      } catch (e) {
        if (!(e instanceof ValidationError)) failures.push(`threw ${String(e)} for:\n${JSON.stringify(doc)}`);
        else if (e.path === "" || e.detail.startsWith("internal error")) failures.push(`bad ValidationError ${e.message} for:\n${JSON.stringify(doc)}`);
        continue;
      }
      accepted++;
      checkRoundTrip(p, failures, JSON.stringify(doc));
    }
    console.log(`fuzz JSON: ${JSON_CASES} inputs, ${accepted} accepted, ${elapsed(t0, cpu0)}`);
    expect(failures).toEqual([]);
  }, FUZZ_TIMEOUT);
});
