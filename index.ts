// The public API: `import * as sf from "scalify"`. Names here are a contract (DESIGN.md
// "Public API"): add names freely, never rename.
export { Tensor, array, fromBits, zeros, type NestedNumbers, type ArrayOptions } from "./runtime/tensor.js";
export { ScaledArray, isScaledArray } from "./runtime/scaled-array.js";
export type { DType, FloatDType } from "./ir/dtype.js";
export { DTYPES } from "./ir/dtype.js";
export type { Shape, Aval } from "./ir/shape.js";
export { Program, Var, Literal, type Equation } from "./ir/program.js";
export { PRIMITIVES, type Primitive } from "./ir/primitives/catalogue.js";
export { print, parse, toJSON, fromJSON, verify } from "./ir/index.js";
export * as errors from "./ir/errors.js";
export * as numerics from "./runtime/numerics/index.js";
export * as pow2 from "./runtime/numerics/pow2.js";
export * as tree from "./compiler/pytree.js";
export * as ops from "./compiler/ops/index.js";
export * as lax from "./compiler/lax.js";
export * as nn from "./compiler/nn.js";
export * as random from "./compiler/random.js";
export { spec, scaledSpec, trace, Spec, ScaledSpec } from "./compiler/trace.js";
export { run, jit, type Backend, type RunOptions } from "./compiler/api.js";
export { newCastStats, type CastStats } from "./runtime/interpreter.js";
export { grad, valueAndGrad, vjp, type GradFnOptions } from "./compiler/grad/api.js";
export { customVjp, type CustomVjpFns } from "./compiler/grad/custom-vjp.js";
export { scalify, asScaledArray, asarray } from "./compiler/scalify/api.js";
export type { ScalifyConfig, RoundingMode } from "./compiler/scalify/config.js";
export * as scaling from "./compiler/scaling.js";
export * as passes from "./compiler/passes/index.js";
