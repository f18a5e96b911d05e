// Lexical conventions shared by the printer, the parser and the JSON form (docs/ir-format.md),
// kept in one place so that what the printer writes is exactly what the parser reads.

/** Words that are never variable names and are JSON-quoted when they are string values. */
export const KEYWORDS: ReadonlySet<string> = new Set(["true", "false", "None", "inf", "nan", "func", "const", "return", "dense"]);

/** Bare (unquoted) string params and names: an identifier that is not a keyword. */
const BARE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isBareWord(s: string): boolean {
  return BARE.test(s) && !KEYWORDS.has(s);
}

/** A string param or program name: bare when it reads unambiguously, else a JSON string. */
export function quoteIfNeeded(s: string): string {
  return isBareWord(s) ? s : JSON.stringify(s);
}

/**
 * Canonical variable names in definition order, as jaxprs do: a…z, ba…bz, ca…, i.e. base 26
 * without a leading "a" (which would read like a leading zero). Keywords are skipped, and so is
 * `bool`, which would read like a dtype.
 */
export class NameGenerator {
  private next = 0;
  fresh(): string {
    for (;;) {
      const name = nameOf(this.next++);
      if (!KEYWORDS.has(name) && name !== "bool") return name;
    }
  }
}

function nameOf(n: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

/**
 * Float text: the shortest decimal that round-trips (JS `String`), always with a `.` or an `e`
 * so it reads as a float, and with the non-finite values and −0 spelled out (DESIGN.md "The IR").
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0.0";
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A numeric param: integers as integers (params are mostly axes and sizes), anything else as a float. */
export function formatParamNumber(x: number): string {
  return Number.isSafeInteger(x) && !Object.is(x, -0) ? String(x) : formatFloat(x);
}

/** The JSON form's spelling of numbers JSON cannot hold; -0 included because JSON drops its sign. */
export function numberToJSON(x: number): number | string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0.0";
  return x;
}

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity, "-0.0": -0 };

/** Inverse of numberToJSON for the special strings; undefined for any other string. */
export function specialNumberFromJSON(s: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(SPECIAL, s) ? SPECIAL[s] : undefined;
}
