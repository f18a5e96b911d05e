// The kernel table of the reference interpreter: one kernel per primitive. Its type is a mapped
// type over the catalogue, so a primitive without a kernel does not compile.
import { castKernels } from "./cast.js";
import { compareSelectKernels } from "./compare-select.js";
import { dotGeneralKernels } from "./dot-general.js";
import { elementwiseKernels } from "./elementwise.js";
import { indexingKernels } from "./indexing.js";
import { miscKernels } from "./misc.js";
import { randomKernels } from "./random.js";
import { reduceKernels } from "./reduce.js";
import { scalingKernels } from "./scaling.js";
import { shapeKernels } from "./shape.js";
import type { KernelTable } from "./types.js";

export type { Kernel, KernelContext, KernelTable } from "./types.js";

export const KERNELS: KernelTable = {
  ...elementwiseKernels,
  ...compareSelectKernels,
  ...shapeKernels,
  ...indexingKernels,
  ...reduceKernels,
  ...dotGeneralKernels,
  ...castKernels,
  ...randomKernels,
  ...miscKernels,
  ...scalingKernels,
};
