import { lex, type Token, TokenStream, Unsupported } from "./jq-lexer.ts";

/**
 * A parser for jq expressions, into just enough of a tree to know what each part reads.
 * The expression has already compiled in real jq, so the parser may be lenient about
 * what jq rejects; what it does not understand throws {@link Unsupported}.
 */

export type Node =
  | { k: "id" } // .
  | { k: "rec" } // ..
  | { k: "lit"; text?: string } // numbers, null/true/false, $__loc__; `text` for a plain string
  | { k: "str"; interps: Node[] } // "a\(x)b", @fmt "..."
  | { k: "fmt" } // @base64 applied to the input
  | { k: "key"; base: Node; name: string } // base.name, base["name"]
  | { k: "index"; base: Node; args: Node[] } // base[e], base[e:f], base[]
  | { k: "var"; name: string }
  | { k: "arr"; body?: Node }
  | { k: "obj"; entries: Array<{ key?: Node; value: Node }> }
  | { k: "pipe"; l: Node; r: Node }
  | { k: "union"; op: "," | "//"; l: Node; r: Node } // either side's outputs
  | { k: "op"; l: Node; r: Node } // arithmetic and comparison
  | { k: "logic"; l: Node; r: Node } // and, or
  | { k: "assign"; l: Node; r: Node }
  | { k: "neg"; e: Node }
  | { k: "try"; body: Node; handler?: Node }
  | { k: "if"; branches: Array<[Node, Node]>; otherwise?: Node }
  | { k: "reduce"; src: Node; pat: Pattern; init: Node; update: Node; extract?: Node; foreach: boolean }
  | { k: "bind"; src: Node; pat: Pattern; body: Node }
  | { k: "label"; body: Node }
  | { k: "break" }
  | { k: "call"; name: string; args: Node[] };

/** `$x` binds the value itself; destructuring binds parts of it. */
export interface Pattern {
  vars: string[];
  destructure: boolean;
}

// Binary operators from loosest to tightest, as in jq's parser.y (`|` is handled separately).
const LEVELS: Array<{ ops: string[]; right?: boolean; kind: "union" | "assign" | "logic" | "op" }> = [
  { ops: [","], kind: "union" },
  { ops: ["//"], right: true, kind: "union" },
  { ops: ["=", "|=", "+=", "-=", "*=", "/=", "%=", "//="], kind: "assign" },
  { ops: ["or"], kind: "logic" },
  { ops: ["and"], kind: "logic" },
  { ops: ["==", "!=", "<", "<=", ">", ">="], kind: "op" },
  { ops: ["+", "-"], kind: "op" },
  { ops: ["*", "/", "%"], kind: "op" },
];

const CLOSERS = new Set(["then", "elif", "else", "end", "as", "catch", "and", "or"]);

export function parse(source: string): Node {
  return new Parser(lex(source)).whole();
}

class Parser extends TokenStream {
  whole(): Node {
    const node = this.pipe();
    if (this.peek().t !== "eof") throw new Unsupported("trailing tokens");
    return node;
  }

  pipe(): Node {
    const left = this.binary(0);
    if (this.isOp("|")) {
      this.pos++;
      return { k: "pipe", l: left, r: this.pipe() };
    }
    return left;
  }

  binary(level: number): Node {
    const spec = LEVELS[level];
    if (!spec) return this.operand();
    let left = this.binary(level + 1);
    for (;;) {
      const tok = this.peek();
      const op = tok.t === "op" ? tok.v : tok.t === "ident" ? tok.name : "";
      if (!spec.ops.includes(op)) return left;
      this.pos++;
      const right = spec.right ? this.binary(level) : this.binary(level + 1);
      left =
        spec.kind === "union"
          ? { k: "union", op: op as "," | "//", l: left, r: right }
          : { k: spec.kind, l: left, r: right };
    }
  }

  /** A term with its postfixes, or a construct that extends as far right as it can. */
  operand(): Node {
    if (this.isOp("-")) {
      this.pos++;
      return { k: "neg", e: this.operand() };
    }
    const tok = this.peek();
    if (tok.t === "ident" && tok.name === "try") {
      this.pos++;
      const body = this.operand();
      if (!this.isIdent("catch")) return { k: "try", body };
      this.pos++;
      return { k: "try", body, handler: this.operand() };
    }
    if (tok.t === "ident" && tok.name === "label") {
      this.pos++;
      this.expect("var");
      this.expectOp("|");
      return { k: "label", body: this.pipe() };
    }
    if (tok.t === "ident" && (tok.name === "def" || tok.name === "import" || tok.name === "include")) {
      throw new Unsupported(tok.name);
    }
    const term = this.postfix();
    if (!this.isIdent("as")) return term;
    this.pos++;
    const pat = this.pattern();
    this.expectOp("|");
    return { k: "bind", src: term, pat, body: this.pipe() };
  }

  postfix(): Node {
    let node = this.primary();
    for (;;) {
      const tok = this.peek();
      if (tok.t === "field") {
        this.pos++;
        node = { k: "key", base: node, name: tok.name };
      } else if (tok.t === "dot" && this.peek(1).t === "str") {
        this.pos++;
        node = this.#stringKey(node);
      } else if (tok.t === "dot" && this.isOp("[", 1)) {
        this.pos++; // `.a.[0]`, as jq 1.7 allows
      } else if (this.isOp("[")) {
        node = this.#bracket(node);
      } else if (this.isOp("?")) {
        this.pos++;
      } else {
        return node;
      }
    }
  }

  primary(): Node {
    const tok = this.next();
    switch (tok.t) {
      case "dot":
        if (this.peek().t === "str") return this.#stringKey({ k: "id" });
        return { k: "id" };
      case "field":
        return { k: "key", base: { k: "id" }, name: tok.name };
      case "rec":
        return { k: "rec" };
      case "num":
        return { k: "lit" };
      case "str":
        return this.#string(tok);
      case "format": {
        const next = this.peek();
        if (next.t !== "str") return { k: "fmt" };
        this.pos++;
        return this.#string(next);
      }
      case "var":
        return tok.name === "__loc__" ? { k: "lit" } : { k: "var", name: tok.name };
      case "op":
        if (tok.v === "(") {
          const inner = this.pipe();
          this.expectOp(")");
          return inner;
        }
        if (tok.v === "[") {
          if (this.isOp("]")) {
            this.pos++;
            return { k: "arr" };
          }
          const body = this.pipe();
          this.expectOp("]");
          return { k: "arr", body };
        }
        if (tok.v === "{") return this.#object();
        throw new Unsupported(`unexpected ${tok.v}`);
      case "ident":
        return this.#named(tok.name);
      default:
        throw new Unsupported("unexpected end");
    }
  }

  pattern(): Pattern {
    const vars: string[] = [];
    const destructure = this.#patternInto(vars);
    if (this.isOp("?//")) throw new Unsupported("destructuring alternatives");
    return { vars, destructure };
  }

  #patternInto(vars: string[]): boolean {
    const tok = this.next();
    if (tok.t === "var") {
      vars.push(tok.name);
      return false;
    }
    if (tok.t === "op" && tok.v === "[") {
      do this.#patternInto(vars);
      while (this.eatOp(","));
      this.expectOp("]");
      return true;
    }
    if (tok.t === "op" && tok.v === "{") {
      do {
        const key = this.next();
        if (key.t === "var") {
          vars.push(key.name);
          if (this.eatOp(":")) this.#patternInto(vars);
        } else if (key.t === "ident" || (key.t === "str" && key.parts.every((p) => typeof p === "string"))) {
          this.expectOp(":");
          this.#patternInto(vars);
        } else {
          throw new Unsupported("computed key in a pattern");
        }
      } while (this.eatOp(","));
      this.expectOp("}");
      return true;
    }
    throw new Unsupported("pattern");
  }

  #named(name: string): Node {
    if (name === "null" || name === "true" || name === "false") return { k: "lit" };
    if (name === "if") return this.#if();
    if (name === "reduce" || name === "foreach") return this.#reduce(name === "foreach");
    if (name === "try" || name === "label") {
      this.pos--;
      return this.operand();
    }
    if (name === "break") {
      this.expect("var");
      return { k: "break" };
    }
    if (
      CLOSERS.has(name) ||
      name === "def" ||
      name === "import" ||
      name === "include" ||
      name === "__loc__"
    ) {
      throw new Unsupported(name);
    }
    const args: Node[] = [];
    if (this.eatOp("(")) {
      do args.push(this.pipe());
      while (this.eatOp(";"));
      this.expectOp(")");
    }
    return { k: "call", name, args };
  }

  #if(): Node {
    const branches: Array<[Node, Node]> = [];
    let otherwise: Node | undefined;
    do {
      const cond = this.pipe();
      this.expectIdent("then");
      branches.push([cond, this.pipe()]);
    } while (this.eatIdent("elif"));
    if (this.eatIdent("else")) otherwise = this.pipe();
    this.expectIdent("end");
    return { k: "if", branches, otherwise };
  }

  #reduce(foreach: boolean): Node {
    const src = this.postfix();
    this.expectIdent("as");
    const pat = this.pattern();
    this.expectOp("(");
    const init = this.pipe();
    this.expectOp(";");
    const update = this.pipe();
    const extract = foreach && this.eatOp(";") ? this.pipe() : undefined;
    this.expectOp(")");
    return { k: "reduce", src, pat, init, update, extract, foreach };
  }

  #object(): Node {
    const entries: Array<{ key?: Node; value: Node }> = [];
    if (this.eatOp("}")) return { k: "obj", entries };
    do {
      const tok = this.next();
      let key: Node | undefined;
      let shorthand: Node;
      if (tok.t === "var") {
        shorthand = tok.name === "__loc__" ? { k: "lit" } : { k: "var", name: tok.name };
        key = shorthand;
      } else if (tok.t === "ident") {
        shorthand = { k: "key", base: { k: "id" }, name: tok.name };
      } else if (tok.t === "str") {
        key = this.#string(tok);
        shorthand =
          key.k === "lit" && key.text !== undefined
            ? { k: "key", base: { k: "id" }, name: key.text }
            : { k: "index", base: { k: "id" }, args: [key] };
      } else if (tok.t === "op" && tok.v === "(") {
        key = this.pipe();
        this.expectOp(")");
        this.expectOp(":");
        entries.push({ key, value: this.#objectValue() });
        continue;
      } else {
        throw new Unsupported("object key");
      }
      entries.push({ key, value: this.eatOp(":") ? this.#objectValue() : shorthand });
    } while (this.eatOp(","));
    this.expectOp("}");
    return { k: "obj", entries };
  }

  /** jq's `ExpD`: terms joined by `|`, each optionally negated; a comma ends the value. */
  #objectValue(): Node {
    const term = this.eatOp("-") ? ({ k: "neg", e: this.postfix() } as Node) : this.postfix();
    return this.eatOp("|") ? { k: "pipe", l: term, r: this.#objectValue() } : term;
  }

  #bracket(base: Node): Node {
    this.expectOp("[");
    if (this.eatOp("]")) return { k: "index", base, args: [] };
    const args: Node[] = [];
    if (!this.isOp(":")) args.push(this.pipe());
    const slice = this.eatOp(":");
    if (slice && !this.isOp("]")) args.push(this.pipe());
    this.expectOp("]");
    const only = args[0];
    if (!slice && only?.k === "lit" && only.text !== undefined) return { k: "key", base, name: only.text };
    return { k: "index", base, args: args.length ? args : [{ k: "lit" }] };
  }

  #string(tok: Extract<Token, { t: "str" }>): Node {
    const interps = tok.parts
      .filter((p): p is Token[] => typeof p !== "string")
      .map((t) => new Parser(t).whole());
    return interps.length > 0 ? { k: "str", interps } : { k: "lit", text: tok.parts.join("") };
  }

  #stringKey(base: Node): Node {
    const node = this.#string(this.next() as Extract<Token, { t: "str" }>);
    return node.k === "lit" && node.text !== undefined
      ? { k: "key", base, name: node.text }
      : { k: "index", base, args: [node] };
  }
}
