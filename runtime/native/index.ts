// The native backend's public surface (DESIGN.md layout: runtime/ holds "the native addon and its loader").
export { nativeAvailable, nativeUnavailableReason, nativeAddon, nativeAddonPath, type NativeAddon, type NativePlan, type NativeTensor } from "./loader.js";
export { runNative, evalPrimitiveNative, compileNative, type NativeRunOptions } from "./backend.js";
export { lower, type LoweredProgram, type LoweringStats, type LowerOptions, type OutputSource } from "./lower.js";
export type { PlanJSON } from "./plan-json.js";
