// Gradients for the few TF.js kernels the MLP benchmark differentiates through. The CommonJS
// build of @tensorflow/tfjs-core that Node loads registers no gradients (the union package
// @tensorflow/tfjs does, via its register_all_gradients module, whose ESM files Node cannot
// import directly). These follow tfjs-core's own gradient definitions (src/gradients/*_grad.ts).
// logSoftmax needs none: it is a customGrad op.
type TF = typeof import("@tensorflow/tfjs-core");
type T = import("@tensorflow/tfjs-core").Tensor;

export function registerMlpGradients(tf: TF): void {
  const reduceTo = (dy: T, shape: number[]): T => {
    const out = tf.broadcast_util.assertAndGetBroadcastShape(shape, dy.shape);
    const axes = tf.broadcast_util.getReductionAxes(shape, out);
    return tf.reshape(axes.length ? tf.sum(dy, axes) : dy, shape);
  };
  const reg = (kernelName: string, inputsToSave: string[], gradFunc: (dy: T, saved: T[], attrs: any) => Record<string, () => T>) => {
    if (!tf.getGradient(kernelName)) tf.registerGradient({ kernelName, inputsToSave, gradFunc: gradFunc as never });
  };
  reg("BatchMatMul", ["a", "b"], (dy, [a, b], attrs) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return { a: () => tf.matMul(dy, b!, false, true), b: () => tf.matMul(a!, dy, true, false) };
    if (!transposeA && transposeB) return { a: () => tf.matMul(dy, b!, false, false), b: () => tf.matMul(dy, a!, true, false) };
    if (transposeA && !transposeB) return { a: () => tf.matMul(b!, dy, false, true), b: () => tf.matMul(a!, dy, false, false) };
    return { a: () => tf.matMul(b!, dy, true, true), b: () => tf.matMul(dy, a!, true, true) };
  });
  reg("Add", ["a", "b"], (dy, [a, b]) => ({ a: () => reduceTo(dy, a!.shape), b: () => reduceTo(dy, b!.shape) }));
  reg("Multiply", ["a", "b"], (dy, [a, b]) => ({
    a: () => reduceTo(tf.mul(dy, tf.cast(b!, "float32")), a!.shape),
    b: () => reduceTo(tf.mul(dy, tf.cast(a!, "float32")), b!.shape),
  }));
  reg("Relu", ["x"], (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(tf.cast(x!, "float32"))) }));
  reg("Neg", [], (dy) => ({ x: () => tf.neg(dy) }));
  reg("Cast", [], (dy) => ({ x: () => tf.clone(dy) }));
  reg("Sum", ["x"], (dy, [x], attrs) => {
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x!.shape);
    const kept = tf.backend_util.expandShapeToKeepDim(dy.shape, axes);
    return { x: () => tf.mul(tf.reshape(dy, kept), tf.ones(x!.shape, "float32")) };
  });
  reg("Mean", ["x"], (dy, [x], attrs) => {
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x!.shape);
    const kept = tf.backend_util.expandShapeToKeepDim(dy.shape, axes);
    const n = axes.reduce((p, a) => p * x!.shape[a]!, 1);
    return { x: () => tf.div(tf.mul(tf.reshape(dy, kept), tf.ones(x!.shape, "float32")), n) };
  });
}
