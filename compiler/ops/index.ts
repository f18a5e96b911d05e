// `sf.ops`: the jax.numpy-like op library. Every op is written on `bind` (through sf.lax), so it
// runs eagerly on concrete tensors and records equations on tracers alike.
export type { ArrayLike, Axis } from "./coerce.js";
export * from "./creation.js";
export * from "./elementwise.js";
export * from "./indexing.js";
export * from "./linalg.js";
export * from "./reductions.js";
export * from "./shape.js";
