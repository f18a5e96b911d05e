// Reads a model function's parameter types from its TypeScript source with ts-morph, so that
// `scalify trace model.ts` needs no --arg: `Tensor<"f32", [8, 784]>` is a spec, object types,
// interfaces and aliases of such are objects of specs, tuples are arrays.
//
// ts-morph costs ~1 s to load, so only this module imports it, lazily. The first attempt
// parses the model file alone (noResolve, ~0.5 s); only when a type comes from another file do we
// pay for resolving the model's imports (~2 s), which the TypeScript checker then follows.
import * as path from "node:path";
import type { Node as TsNode, ParameterDeclaration, SourceFile, Type, TypeNode, TypeReferenceNode } from "ts-morph";
import { isDType } from "../ir/dtype.js";
import type { ArgType, Param } from "./arg-specs.js";
import { displayPath } from "./errors.js";

type TsMorph = typeof import("ts-morph");

/** Thrown when the answer depends on another file; the caller retries with imports resolved. */
class NeedsImports extends Error {}

const MAX_DEPTH = 64;

/** The parameters of exported function `fnName` of `file`, or undefined when its declaration is not found. */
export async function readParams(file: string, fnName: string): Promise<Param[] | undefined> {
  const tm = await import("ts-morph");
  try {
    return read(tm, file, fnName, false);
  } catch (e) {
    if (e instanceof NeedsImports) return read(tm, file, fnName, true);
    throw e;
  }
}

function read(tm: TsMorph, file: string, fnName: string, resolveImports: boolean): Param[] | undefined {
  const source = project(tm, file, resolveImports).addSourceFileAtPath(path.resolve(file));
  const params = functionParams(tm, source, fnName, resolveImports);
  if (!params) return undefined;
  const reader = new TypeReader(tm, resolveImports);
  return params.map((p, i) => ({
    name: tm.Node.isIdentifier(p.getNameNode()) ? p.getName() : `arg${i}`,
    optional: p.hasQuestionToken() || p.hasInitializer(),
    type: p.isRestParameter()
      ? reader.missing("a rest parameter has no fixed arity", p)
      : (() => {
          const t = p.getTypeNode();
          return t ? reader.walk(t, 0) : reader.missing("has no type annotation", p);
        })(),
  }));
}

/** A project with the model's tsconfig (for its paths and module settings) when there is one. */
function project(tm: TsMorph, file: string, resolveImports: boolean) {
  const compilerOptions = { noResolve: !resolveImports, skipLibCheck: true, types: [] as string[] };
  const opts = { skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: !resolveImports, compilerOptions };
  const tsconfig = tm.ts.findConfigFile(path.dirname(path.resolve(file)), tm.ts.sys.fileExists);
  if (tsconfig) {
    try {
      return new tm.Project({ ...opts, tsConfigFilePath: tsconfig });
    } catch {
      // An unreadable tsconfig should not stop us reading a type annotation: use the defaults.
    }
  }
  return new tm.Project({ ...opts, compilerOptions: { ...compilerOptions, strict: true, target: tm.ts.ScriptTarget.ES2022 } });
}

function functionParams(tm: TsMorph, source: SourceFile, fnName: string, resolveImports: boolean): ParameterDeclaration[] | undefined {
  const decls = source.getExportedDeclarations().get(fnName);
  if (!decls) {
    // `export { f } from "./other.js"` and `export * from …` need the other file.
    if (!resolveImports && source.getExportDeclarations().some((d) => d.getModuleSpecifier() !== undefined)) throw new NeedsImports();
    return undefined;
  }
  for (const d of decls) {
    if (tm.Node.isFunctionDeclaration(d)) return d.getParameters();
    if (tm.Node.isVariableDeclaration(d)) {
      const init = d.getInitializer();
      if (init && (tm.Node.isArrowFunction(init) || tm.Node.isFunctionExpression(init))) return init.getParameters();
    }
  }
  return undefined;
}

class TypeReader {
  constructor(
    private readonly tm: TsMorph,
    private readonly resolveImports: boolean,
  ) {}

  missing(reason: string, node: TsNode, isStatic = false): ArgType {
    const { line, column } = node.getSourceFile().getLineAndColumnAtPos(node.getStart());
    return { kind: "missing", reason, where: `${displayPath(node.getSourceFile().getFilePath())}:${line}:${column}`, isStatic };
  }

  walk(node: TypeNode, depth: number): ArgType {
    const { Node, SyntaxKind } = this.tm;
    if (depth > MAX_DEPTH) return this.missing("the type is nested too deeply", node);
    if (Node.isParenthesizedTypeNode(node)) return this.walk(node.getTypeNode(), depth + 1);
    if (node.getKind() === SyntaxKind.NumberKeyword || (Node.isLiteralTypeNode(node) && Node.isNumericLiteral(node.getLiteral())))
      return this.missing("a number is a static argument", node, true);
    if (Node.isTypeReference(node)) return this.reference(node, depth);
    if (Node.isTupleTypeNode(node))
      return { kind: "tuple", items: node.getElements().map((e) => this.walk(Node.isNamedTupleMember(e) ? e.getTypeNode() : e, depth + 1)) };
    if (Node.isTypeLiteral(node) || Node.isIntersectionTypeNode(node)) return this.object(node.getType(), node, depth);
    if (Node.isArrayTypeNode(node)) return this.missing("an array type has no fixed length (use a tuple type)", node);
    return this.missing(`cannot build a spec from the type \`${node.getText()}\``, node);
  }

  private reference(node: TypeReferenceNode, depth: number): ArgType {
    const { Node } = this.tm;
    const name = node.getTypeName().getText();
    let symbol = node.getTypeName().getSymbol();
    if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
    // By name, so that `Tensor` is recognised even when "scalify" cannot be resolved from the model.
    if (name.split(".").pop() === "Tensor" || symbol?.getName() === "Tensor") return this.tensor(node);
    const decl = symbol?.getDeclarations().find((d) => !Node.isImportSpecifier(d) && !Node.isImportClause(d));
    if (!decl) {
      if (!this.resolveImports) throw new NeedsImports();
      return this.missing(`cannot find the declaration of \`${name}\``, node);
    }
    if (Node.isTypeAliasDeclaration(decl)) {
      const t = decl.getTypeNode();
      return t ? this.walk(t, depth + 1) : this.missing(`cannot read the alias \`${name}\``, node);
    }
    if (Node.isInterfaceDeclaration(decl) || Node.isClassDeclaration(decl)) return this.object(node.getType(), node, depth);
    return this.missing(`cannot build a spec from the type \`${name}\``, node);
  }

  /** `Tensor<"f32", [8, 784]>`; the checker evaluates the type arguments, so aliases of literals work too. */
  private tensor(node: TypeReferenceNode): ArgType {
    const args = node.getTypeArguments();
    const hint = 'write Tensor<"f32", [8, 784]>';
    if (args.length < 2) return this.missing(`\`${node.getText()}\` gives no dtype and shape (${hint})`, node);
    const d = args[0]!.getType();
    const dtype = d.isStringLiteral() ? String(d.getLiteralValue()) : undefined;
    if (dtype === undefined || !isDType(dtype)) return this.missing(`\`${args[0]!.getText()}\` is not a dtype (${hint})`, args[0]!);
    const s = args[1]!.getType();
    const dims = s.isTuple() ? s.getTupleElements().map((e) => (e.isNumberLiteral() ? Number(e.getLiteralValue()) : NaN)) : undefined;
    if (!dims || !dims.every((n) => Number.isInteger(n) && n >= 0)) return this.missing(`\`${args[1]!.getText()}\` is not a shape of literal sizes (${hint})`, args[1]!);
    return { kind: "tensor", dtype, shape: dims };
  }

  /** An object type, field by field from each property's own annotation (interfaces with `extends` included). */
  private object(type: Type, node: TsNode, depth: number): ArgType {
    const { Node } = this.tm;
    const fields: Record<string, ArgType> = {};
    for (const prop of type.getProperties()) {
      const decl = prop.getValueDeclaration() ?? prop.getDeclarations()[0];
      if (decl && (Node.isMethodSignature(decl) || Node.isMethodDeclaration(decl))) continue;
      const t = decl && (Node.isPropertySignature(decl) || Node.isPropertyDeclaration(decl)) ? decl.getTypeNode() : undefined;
      fields[prop.getName()] = t ? this.walk(t, depth + 1) : this.missing(`cannot read the type of field ${prop.getName()}`, decl ?? node);
    }
    return { kind: "object", fields };
  }
}
