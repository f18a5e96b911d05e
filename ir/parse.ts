// The IR text parser (grammar in docs/ir-format.md). It checks everything the verifier checks,
// as it goes, so each error points at the offending token; a program it returns verifies.
import { isDType, type DType } from "./dtype.js";
import { ParseError } from "./errors.js";
import { arityProblem, checkParams, literalProblem, outputsProblem, runRule } from "./check.js";
import { Lexer, type Token } from "./lexer.js";
import { isPrimitive, type Params, type Primitive } from "./primitives/catalogue.js";
import { Literal, Program, Var, type Atom, type Constant, type Equation } from "./program.js";
import { avalEquals, avalToString, size, type Aval } from "./shape.js";
import { storageFromBase64 } from "./storage-codec.js";
import { KEYWORDS } from "./syntax.js";
import { numLeaves, type TreeDef } from "./tree.js";

export interface ParseOptions {
  /** Named in errors and in each equation's callSite; `<input>` when absent. */
  file?: string;
}

/** Parses one `func`. Throws only ParseError (1-based line and col of the offending token). */
export function parse(text: string, opts: ParseOptions = {}): Program {
  try {
    const parser = new Parser(new Lexer(text, opts.file), opts.file);
    const program = parser.func();
    parser.expectEnd();
    return program;
  } catch (e) {
    if (e instanceof ParseError) throw e;
    // Not expected to happen (the fuzz test looks for it); keep the one-error-type promise anyway.
    throw new ParseError(`internal error: ${e instanceof Error ? e.message : String(e)}`, 1, 1, opts.file);
  }
}

/** Nesting limit for brackets and nested programs, so hostile input cannot overflow the stack. */
const MAX_DEPTH = 200;

type Scope = Map<string, Var>;

interface Declared {
  tok: Token;
  name: string;
  aval: Aval;
}

class Parser {
  /** Tokens lexed so far (the parser looks at most two ahead); `i` indexes the current one. */
  private readonly toks: Token[] = [];
  private i = 0;
  private depth = 0;
  constructor(
    private readonly lexer: Lexer,
    private readonly file: string | undefined,
  ) {}

  // ---- token helpers ----
  private peek(k = 0): Token {
    while (this.toks.length <= this.i + k) this.toks.push(this.lexer.next());
    return this.toks[this.i + k]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.i++;
    return t;
  }
  private fail(t: Token, detail: string): never {
    throw new ParseError(detail, t.line, t.col, this.file);
  }
  private is(t: Token, text: string): boolean {
    return (t.kind === "punct" || t.kind === "ident") && t.text === text;
  }
  private expect(text: string, what = `'${text}'`): Token {
    const t = this.next();
    if (!this.is(t, text)) this.fail(t, `expected ${what}, got ${describe(t)}`);
    return t;
  }
  private accept(text: string): boolean {
    if (!this.is(this.peek(), text)) return false;
    this.i++;
    return true;
  }
  /** Parses `open item (, item)* close`, allowing an empty list. */
  private list<T>(close: string, item: () => T): T[] {
    const items: T[] = [];
    if (this.accept(close)) return items;
    do items.push(item());
    while (this.accept(","));
    this.expect(close, `',' or '${close}'`);
    return items;
  }
  private nested<T>(at: Token, f: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail(at, `nesting deeper than ${MAX_DEPTH}`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }
  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== "eof") this.fail(t, `expected end of input after the program, got ${describe(t)}`);
  }

  // ---- programs ----
  func(): Program {
    this.expect("func", "'func'");
    const nameTok = this.next();
    if (nameTok.kind !== "ident" && nameTok.kind !== "string") this.fail(nameTok, `expected a program name, got ${describe(nameTok)}`);
    const scope: Scope = new Map();
    const inputs: Var[] = [];
    const labels: string[] = [];
    this.expect("(");
    this.list(")", () => {
      const d = this.declaration(scope);
      const label = this.next();
      if (label.kind !== "string") this.fail(label, `expected the input's name as a string, got ${describe(label)}`);
      inputs.push(define(scope, d));
      labels.push(label.text);
    });
    this.expect("->", "'->'");
    this.expect("(");
    const declaredOuts = this.list(")", () => this.type());
    this.expect("{");

    const inTok = this.expect("in_tree", "'in_tree'");
    const inTree = this.tree();
    const outTok = this.expect("out_tree", "'out_tree'");
    const outTree = this.tree();
    if (numLeaves(inTree) !== inputs.length) this.fail(inTok, `in_tree has ${numLeaves(inTree)} leaves, the program has ${inputs.length} inputs`);

    const constants: Constant[] = [];
    while (this.is(this.peek(), "const")) constants.push(this.constant(scope));
    const equations: Equation[] = [];
    while (!this.is(this.peek(), "return")) {
      const t = this.peek();
      if (t.kind === "eof" || this.is(t, "}")) this.fail(t, `expected an equation or 'return', got ${describe(t)}`);
      equations.push(this.equation(scope));
    }
    const retTok = this.expect("return");
    const outputs: Atom[] = [];
    if (!this.is(this.peek(), "}")) {
      do outputs.push(this.atom(scope));
      while (this.accept(","));
    }
    this.expect("}", "',' or '}'");

    if (numLeaves(outTree) !== outputs.length) this.fail(outTok, `out_tree has ${numLeaves(outTree)} leaves, the program returns ${outputs.length} values`);
    const got = outputs.map((a) => a.aval);
    if (got.length !== declaredOuts.length || got.some((a, k) => !avalEquals(a, declaredOuts[k]!)))
      this.fail(retTok, `returns (${got.map(avalToString).join(", ")}) but the header declares (${declaredOuts.map(avalToString).join(", ")})`);
    return new Program(inputs, constants, equations, outputs, labels, inTree, outTree, nameTok.text);
  }

  /** `name: type`, with the name checked for a fresh, non-keyword identifier. */
  private declaration(scope: Scope): Declared {
    const tok = this.next();
    if (tok.kind !== "ident") this.fail(tok, `expected a variable name, got ${describe(tok)}`);
    if (KEYWORDS.has(tok.text)) this.fail(tok, `keyword '${tok.text}' cannot be a variable name`);
    if (scope.has(tok.text)) this.fail(tok, `redefinition of variable '${tok.text}'`);
    this.expect(":");
    return { tok, name: tok.text, aval: this.type() };
  }

  private type(): Aval {
    const tok = this.next();
    if (tok.kind !== "ident" || !isDType(tok.text)) this.fail(tok, `expected a dtype, got ${describe(tok)}`);
    this.expect("[");
    const shape = this.list("]", () => {
      const d = this.next();
      const n = Number(d.text);
      if (d.kind !== "number" || !/^[0-9]+$/.test(d.text) || !Number.isSafeInteger(n)) this.fail(d, `expected a dimension size, got ${describe(d)}`);
      return n;
    });
    return { dtype: tok.text, shape };
  }

  private constant(scope: Scope): Constant {
    this.expect("const");
    const d = this.declaration(scope);
    this.expect("=");
    this.expect("dense", "'dense'");
    const data = this.next();
    if (data.kind !== "string") this.fail(data, `expected base64 data as a string, got ${describe(data)}`);
    const storage = storageFromBase64(d.aval.dtype, size(d.aval.shape), data.text);
    if (typeof storage === "string") this.fail(data, storage);
    const variable = define(scope, d);
    return { variable, value: { dtype: d.aval.dtype, shape: d.aval.shape, storage } };
  }

  private equation(scope: Scope): Equation {
    const start = this.peek();
    const outs: Declared[] = [];
    if (!this.is(start, "=")) {
      do {
        const d = this.declaration(scope);
        if (outs.some((o) => o.name === d.name)) this.fail(d.tok, `redefinition of variable '${d.name}'`);
        outs.push(d);
      } while (this.accept(","));
    }
    this.expect("=", "',' or '='");
    const primTok = this.next();
    if (primTok.kind !== "ident") this.fail(primTok, `expected a primitive name, got ${describe(primTok)}`);
    if (!isPrimitive(primTok.text)) this.fail(primTok, `unknown primitive '${primTok.text}'`);
    const prim: Primitive = primTok.text;
    const bracket = this.peek();
    const keyToks = new Map<string, Token>();
    const raw = this.is(bracket, "[") ? this.params(keyToks) : {};
    const inputs: Atom[] = [];
    while (this.atAtom()) inputs.push(this.atom(scope));

    const arity = arityProblem(prim, inputs.length);
    if (arity) this.fail(primTok, `${prim} ${arity}`);
    const checked = checkParams(prim, raw);
    if (!checked.ok) {
      const key = checked.path[0];
      this.fail((typeof key === "string" && keyToks.get(key)) || (this.is(bracket, "[") ? bracket : primTok), checked.detail);
    }
    const rule = runRule(prim, checked.params, inputs.map((a) => a.aval));
    if (typeof rule === "string") this.fail(start, `${prim}: ${rule}`);
    const mismatch = outputsProblem(
      outs.map((o) => o.aval),
      rule,
    );
    if (mismatch) this.fail(start, `${prim}: ${mismatch.detail}`);
    const outputs = outs.map((d) => define(scope, d));
    const callSite = `${this.file ?? "<input>"}:${start.line}:${start.col}`;
    return { primitive: prim, params: checked.params as Params<Primitive>, inputs, outputs, callSite };
  }

  /** Operands run until the next statement: a variable followed by ':' starts the next equation. */
  private atAtom(): boolean {
    const t = this.peek();
    if (t.kind === "number" || this.is(t, "-")) return true;
    if (t.kind !== "ident") return false;
    if (KEYWORDS.has(t.text)) return t.text === "inf" || t.text === "nan" || t.text === "true" || t.text === "false";
    return !this.is(this.peek(1), ":");
  }

  private atom(scope: Scope): Atom {
    const t = this.peek();
    if (t.kind === "ident" && !KEYWORDS.has(t.text)) {
      this.i++;
      const v = scope.get(t.text);
      if (!v) this.fail(t, `undefined variable '${t.text}'`);
      return v;
    }
    return this.literal();
  }

  /** `value:dtype`, with the value's spelling matching the dtype (true/false for bool). */
  private literal(): Literal {
    const t = this.peek();
    const value = this.number(true);
    this.expect(":", "':' and a dtype after the literal");
    const dt = this.next();
    if (dt.kind !== "ident" || !isDType(dt.text)) this.fail(dt, `expected a dtype, got ${describe(dt)}`);
    const dtype: DType = dt.text;
    const isBoolWord = this.is(t, "true") || this.is(t, "false");
    if (isBoolWord !== (dtype === "bool")) this.fail(t, dtype === "bool" ? "a bool literal is true or false" : `${describe(t)} is not a ${dtype} value`);
    const problem = literalProblem(value, dtype);
    if (problem) this.fail(t, problem);
    return new Literal(value, dtype);
  }

  /** A number, `inf`, `nan`, a negated number or `-inf`; `true`/`false` as 1/0 when `bools`. */
  private number(bools: boolean): number {
    const t = this.next();
    if (this.is(t, "-")) {
      const u = this.next();
      if (u.kind === "number") return -Number(u.text);
      if (this.is(u, "inf")) return -Infinity;
      this.fail(u, `expected a number after '-', got ${describe(u)}`);
    }
    if (t.kind === "number") return Number(t.text);
    if (this.is(t, "inf")) return Infinity;
    if (this.is(t, "nan")) return NaN;
    if (bools && (this.is(t, "true") || this.is(t, "false"))) return t.text === "true" ? 1 : 0;
    this.fail(t, `expected a literal, got ${describe(t)}`);
  }

  // ---- params ----
  private params(keyToks: Map<string, Token>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.expect("[");
    this.list("]", () => {
      const k = this.next();
      if (k.kind !== "ident") this.fail(k, `expected a param name, got ${describe(k)}`);
      if (keyToks.has(k.text)) this.fail(k, `duplicate param '${k.text}'`);
      keyToks.set(k.text, k);
      this.expect("=");
      out[k.text] = this.value();
    });
    return out;
  }

  private value(): unknown {
    const t = this.peek();
    if (t.kind === "string") return this.next().text;
    if (this.is(t, "[")) {
      this.i++;
      return this.nested(t, () => this.list("]", () => this.value()));
    }
    if (this.is(t, "{")) {
      this.i++;
      const p = this.nested(t, () => this.func());
      this.expect("}", "'}' after the nested program");
      return p;
    }
    if (this.is(t, "None")) {
      this.i++;
      return null;
    }
    if (this.is(t, "true") || this.is(t, "false")) return this.next().text === "true";
    if (t.kind === "ident" && !KEYWORDS.has(t.text)) return this.next().text;
    return this.number(false);
  }

  // ---- trees (the syntax of treeToString) ----
  private tree(): TreeDef {
    const t = this.next();
    if (this.is(t, "*")) return { kind: "leaf" };
    if (this.is(t, "[")) return this.nested(t, () => ({ kind: "array", children: this.list("]", () => this.tree()) }));
    if (this.is(t, "{")) {
      const keys: string[] = [];
      const children = this.nested(t, () =>
        this.list("}", () => {
          const k = this.next();
          if (k.kind !== "ident" && k.kind !== "string") this.fail(k, `expected a key, got ${describe(k)}`);
          keys.push(k.text);
          this.expect(":");
          return this.tree();
        }),
      );
      return { kind: "object", keys, children };
    }
    if (t.kind === "ident" && this.is(this.peek(), "(")) {
      this.i++;
      return this.nested(t, () => ({ kind: "node", type: t.text, children: this.list(")", () => this.tree()) }));
    }
    if (this.is(t, "None")) return { kind: "none" };
    this.fail(t, `expected a tree ('*', 'None', '[', '{' or a node type), got ${describe(t)}`);
  }
}

function define(scope: Scope, d: Declared): Var {
  const v = new Var(d.aval);
  scope.set(d.name, v);
  return v;
}

function describe(t: Token): string {
  if (t.kind === "eof") return "end of input";
  if (t.kind === "string") return JSON.stringify(t.text);
  return `'${t.text}'`;
}
