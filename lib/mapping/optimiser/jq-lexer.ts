/**
 * A lexer for the part of jq's grammar that mapping expressions use. It exists only to let
 * {@link rootKeys} see which top-level keys an expression reads; anything it does not
 * recognise throws {@link Unsupported}, and the caller then keeps whole items (never guesses).
 */

export class Unsupported extends Error {
  override readonly name = "Unsupported";
}

export type Token =
  | { t: "field"; name: string } // .name
  | { t: "dot" } // .
  | { t: "rec" } // ..
  | { t: "num" }
  | { t: "str"; parts: Array<string | Token[]> } // literal text and \( ... \) interpolations
  | { t: "format"; name: string } // @base64
  | { t: "var"; name: string } // $name, $__loc__
  | { t: "ident"; name: string } // names and keywords
  | { t: "op"; v: string }
  | { t: "eof" };

// Longest first, so that `//=` is not read as `//` then `=`.
const OPERATORS = "?// //= |= += -= *= /= %= == != <= >= // | , + - * / % = < > ( ) [ ] { } : ; ?".split(" ");

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;

/** Splits a jq expression into tokens; string interpolations become nested token lists. */
export function lex(source: string): Token[] {
  const [tokens, end] = lexFrom(source, 0, false);
  if (end !== source.length) throw new Unsupported("unbalanced parenthesis");
  tokens.push({ t: "eof" });
  return tokens;
}

/** Lexes from `pos`; inside an interpolation, stops at the `)` that closes it. */
function lexFrom(src: string, start: number, interpolation: boolean): [Token[], number] {
  const out: Token[] = [];
  let pos = start;
  let depth = 0;
  while (pos < src.length) {
    const c = src[pos] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      pos++;
    } else if (c === "#") {
      let end = src.indexOf("\n", pos);
      if (end === -1) end = src.length;
      // jq 1.8 continues a comment after an odd run of backslashes; not worth modelling.
      if (/\\\r?$/.test(src.slice(pos, end))) throw new Unsupported("comment continued with a backslash");
      pos = end;
    } else if (c === '"') {
      const [token, end] = lexString(src, pos + 1);
      out.push(token);
      pos = end;
    } else if (c === "." && src[pos + 1] === ".") {
      out.push({ t: "rec" });
      pos += 2;
    } else if (c === "." && /[A-Za-z_]/.test(src[pos + 1] ?? "")) {
      IDENT.lastIndex = pos + 1;
      const name = (IDENT.exec(src) as RegExpExecArray)[0];
      out.push({ t: "field", name });
      pos += 1 + name.length;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[pos + 1] ?? ""))) {
      NUMBER.lastIndex = pos;
      pos += (NUMBER.exec(src) as RegExpExecArray)[0].length;
      out.push({ t: "num" });
    } else if (c === ".") {
      out.push({ t: "dot" });
      pos++;
    } else if (c === "$" || c === "@" || /[A-Za-z_]/.test(c)) {
      const sigil = c === "$" || c === "@" ? c : "";
      IDENT.lastIndex = pos + sigil.length;
      const match = IDENT.exec(src);
      if (!match) throw new Unsupported(`stray ${c}`);
      const name = match[0];
      pos += sigil.length + name.length;
      if (src.startsWith("::", pos)) throw new Unsupported("module reference");
      out.push(
        sigil === "$" ? { t: "var", name } : sigil === "@" ? { t: "format", name } : { t: "ident", name },
      );
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, pos));
      if (!op) throw new Unsupported(`unexpected character ${c}`);
      if (interpolation && op === ")" && depth === 0) return [out, pos + 1];
      if (op === "(") depth++;
      if (op === ")") depth--;
      out.push({ t: "op", v: op });
      pos += op.length;
    }
  }
  if (interpolation) throw new Unsupported("unterminated interpolation");
  return [out, pos];
}

/** Lexes a string body starting after its opening quote. */
function lexString(src: string, start: number): [Token, number] {
  const parts: Array<string | Token[]> = [];
  let literal = "";
  let pos = start;
  while (pos < src.length) {
    const c = src[pos];
    if (c === '"') {
      if (literal || parts.length === 0) parts.push(decode(literal));
      return [{ t: "str", parts }, pos + 1];
    }
    if (c === "\\" && src[pos + 1] === "(") {
      if (literal) parts.push(decode(literal));
      literal = "";
      const [tokens, end] = lexFrom(src, pos + 2, true);
      tokens.push({ t: "eof" });
      parts.push(tokens);
      pos = end;
    } else if (c === "\\") {
      literal += src.slice(pos, pos + 2);
      pos += 2;
    } else {
      literal += c;
      pos++;
    }
  }
  throw new Unsupported("unterminated string");
}

function decode(escaped: string): string {
  try {
    return JSON.parse(`"${escaped}"`) as string;
  } catch {
    throw new Unsupported("string escape");
  }
}

/** A cursor over tokens, with the small vocabulary a recursive-descent parser needs. */
export class TokenStream {
  protected readonly tokens: Token[];
  protected pos = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  protected peek(ahead = 0): Token {
    return this.tokens[this.pos + ahead] ?? { t: "eof" };
  }
  protected next(): Token {
    const tok = this.peek();
    this.pos++;
    return tok;
  }
  protected isOp(v: string, ahead = 0): boolean {
    const tok = this.peek(ahead);
    return tok.t === "op" && tok.v === v;
  }
  protected isIdent(name: string): boolean {
    const tok = this.peek();
    return tok.t === "ident" && tok.name === name;
  }
  protected eatOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.pos++;
    return true;
  }
  protected eatIdent(name: string): boolean {
    if (!this.isIdent(name)) return false;
    this.pos++;
    return true;
  }
  protected expectOp(v: string): void {
    if (!this.eatOp(v)) throw new Unsupported(`expected ${v}`);
  }
  protected expectIdent(name: string): void {
    if (!this.eatIdent(name)) throw new Unsupported(`expected ${name}`);
  }
  protected expect(t: Token["t"]): void {
    if (this.next().t !== t) throw new Unsupported(`expected ${t}`);
  }
}
