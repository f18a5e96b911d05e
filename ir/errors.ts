// Typed errors with context (STYLE.md: "Errors are types with context"). Every error the
// project raises on bad input is one of these, so callers and the CLI can report a location.

export class ScalifyError extends Error {
  override name = "ScalifyError";
}

/** Bad IR text: `line` and `col` are 1-based; `file` is set when parsing a file. */
export class ParseError extends ScalifyError {
  override name = "ParseError";
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly col: number,
    readonly file?: string,
  ) {
    super(`${file ?? "<input>"}:${line}:${col}: ${detail}`);
  }
}

/** A shape rule failed. `op` is the primitive or op name; `callSite` the user's file:line:col. */
export class ShapeError extends ScalifyError {
  override name = "ShapeError";
  constructor(
    readonly detail: string,
    readonly op: string,
    readonly callSite?: string,
  ) {
    super(`${op}: ${detail}${callSite ? ` (at ${callSite})` : ""}`);
  }
}

/** A dtype rule failed. Same context as ShapeError. */
export class DTypeError extends ScalifyError {
  override name = "DTypeError";
  constructor(
    readonly detail: string,
    readonly op: string,
    readonly callSite?: string,
  ) {
    super(`${op}: ${detail}${callSite ? ` (at ${callSite})` : ""}`);
  }
}

/** A JSON document or API argument failed validation; `path` names the bad field (e.g. `equations[3].params.axes`). */
export class ValidationError extends ScalifyError {
  override name = "ValidationError";
  constructor(
    readonly detail: string,
    readonly path: string,
  ) {
    super(`${path || "<root>"}: ${detail}`);
  }
}

/** Re-raise a shape/dtype error with the user's call site attached. */
export function withCallSite(e: unknown, callSite: string | undefined): unknown {
  if (callSite === undefined) return e;
  if (e instanceof ShapeError && e.callSite === undefined) return new ShapeError(e.detail, e.op, callSite);
  if (e instanceof DTypeError && e.callSite === undefined) return new DTypeError(e.detail, e.op, callSite);
  return e;
}

/**
 * A program broke an IR invariant (ir/verify.ts). Names the equation, its primitive and the
 * user's call site when the failure belongs to one equation, so a pass author can find it.
 */
export class VerifyError extends ScalifyError {
  override name = "VerifyError";
  constructor(
    readonly detail: string,
    readonly equationIndex?: number,
    readonly primitive?: string,
    readonly callSite?: string,
  ) {
    const where = equationIndex === undefined ? "" : `equation ${equationIndex}${primitive ? ` (${primitive})` : ""}: `;
    super(`${callSite ? `${callSite}: ` : ""}${where}${detail}`);
  }
}
