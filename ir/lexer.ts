// Tokens of the IR text (docs/ir-format.md). Whitespace and newlines only separate tokens;
// `#` starts a comment that runs to the end of the line.
import { ParseError } from "./errors.js";

export type TokenKind = "ident" | "number" | "string" | "punct" | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** The source text; for strings, the decoded value. */
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

// Identifiers [A-Za-z_$][A-Za-z0-9_$]* and numbers [0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)? are scanned by
// hand: they are most of the tokens, and this is several times faster than sticky regexes.
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c);

function identEnd(text: string, pos: number): number {
  while (pos < text.length && isIdentPart(text.charCodeAt(pos))) pos++;
  return pos;
}

function digitsEnd(text: string, pos: number): number {
  while (pos < text.length && isDigit(text.charCodeAt(pos))) pos++;
  return pos;
}

function numberEnd(text: string, pos: number): number {
  pos = digitsEnd(text, pos);
  if (text[pos] === "." && isDigit(text.charCodeAt(pos + 1))) pos = digitsEnd(text, pos + 1);
  if (text[pos] === "e" || text[pos] === "E") {
    const sign = text[pos + 1] === "+" || text[pos + 1] === "-" ? 1 : 0;
    if (isDigit(text.charCodeAt(pos + 1 + sign))) pos = digitsEnd(text, pos + 1 + sign);
  }
  return pos;
}
// A JSON string literal: control characters must be escaped, escapes are JSON's.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
const PUNCT = new Set(["(", ")", "[", "]", "{", "}", ",", ":", "=", "*", "-"]);

/** The match of sticky `re` at `pos`, if any. */
function matchAt(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  const m = re.exec(text);
  return m ? m[0] : undefined;
}

/**
 * Produces tokens on demand, so that an error early in a long text costs only the text before it
 * (and errors come out in text order).
 */
export class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  constructor(
    private readonly text: string,
    private readonly file?: string,
  ) {}

  /** The next token; after the end, an `eof` token (again on each call). */
  next(): Token {
    const text = this.text;
    while (this.pos < text.length) {
      const pos = this.pos;
      const ch = text[pos]!;
      const col = pos - this.lineStart + 1;
      if (ch === "\n") {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
        continue;
      }
      if (ch === " " || ch === "\t" || ch === "\r") {
        this.pos++;
        continue;
      }
      if (ch === "#") {
        const end = text.indexOf("\n", pos);
        this.pos = end < 0 ? text.length : end;
        continue;
      }
      let kind: TokenKind;
      let src: string | undefined;
      let value: string | undefined;
      const c = text.charCodeAt(pos);
      if (isIdentStart(c)) {
        kind = "ident";
        src = text.slice(pos, identEnd(text, pos));
      } else if (isDigit(c)) {
        kind = "number";
        src = text.slice(pos, numberEnd(text, pos));
      } else if (ch === '"') {
        src = matchAt(STRING, text, pos);
        if (src === undefined) throw new ParseError("unterminated or malformed string", this.line, col, this.file);
        kind = "string";
        value = JSON.parse(src) as string;
      } else if (ch === "-" && text[pos + 1] === ">") {
        kind = "punct";
        src = "->";
      } else if (PUNCT.has(ch)) {
        kind = "punct";
        src = ch;
      } else throw new ParseError(`unexpected character ${JSON.stringify(ch)}`, this.line, col, this.file);
      this.pos += src.length;
      return { kind, text: value ?? src, line: this.line, col };
    }
    return { kind: "eof", text: "", line: this.line, col: this.pos - this.lineStart + 1 };
  }
}
