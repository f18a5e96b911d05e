// The public IR API: data structures, the primitive catalogue, and the text, JSON and verifier
// entry points. Other layers import from here (or from the defining file) — never the reverse.
export * from "./dtype.js";
export * from "./shape.js";
export * from "./tree.js";
export * from "./errors.js";
export * from "./program.js";
export { CATALOGUE, PRIMITIVES, isPrimitive, primitiveDef, type Catalogue, type Params, type Primitive, type RuleTable } from "./primitives/catalogue.js";
export type { Family, PrimitiveDef } from "./primitives/define.js";
export { print, formatLiteral, type PrintOptions } from "./print.js";
export { parse, type ParseOptions } from "./parse.js";
export { toJSON, fromJSON, IR_FORMAT, IR_VERSION, type ProgramJSON, type ProgramBodyJSON, type AtomJSON, type VarJSON } from "./json.js";
export { verify } from "./verify.js";
export { formatFloat, KEYWORDS } from "./syntax.js";
