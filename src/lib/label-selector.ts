/**
 * Kubernetes label selectors: the kubectl `-l` string syntax and
 * metav1.LabelSelector objects, both lowered to one Requirement list.
 *
 * Equality forms are folded into set forms (`k=v` is `k in (v)`, `k!=v` is
 * `k notin (v)`) exactly as Kubernetes treats them, which keeps matching to
 * four cases. Like apimachinery, parsed selectors are normalised: requirements
 * sorted by key and values sorted and de-duplicated, so equal selectors format
 * to equal strings (handy as cache keys).
 */
import { labelValue, qualifiedName } from './names.ts';

/** One selector term: a key, an operator, and the values for In/NotIn (empty for Exists/DoesNotExist). */
export type Requirement = {
  key: string;
  op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: readonly string[];
};

/** A conjunction of requirements; the empty selector matches everything. */
export type Selector = readonly Requirement[];

/** Thrown for malformed selector strings or invalid LabelSelector objects. */
export class SelectorParseError extends Error {
  readonly code = 'LINTAS_ERR_SELECTOR';
  /** 0-based offset into the selector string, when the problem has one. */
  readonly position: number | undefined;

  constructor(message: string, position?: number) {
    super(message);
    this.name = 'SelectorParseError';
    this.position = position;
  }
}

type TokenKind = 'ident' | 'op' | '(' | ')' | ',' | '!' | 'eos';
interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

// Same whitespace and delimiter sets as apimachinery's lexer; everything else
// is part of an identifier and left to qualifiedName/labelValue to judge.
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const SPECIAL = new Set(['!', '=', ',', '(', ')', '<', '>']);

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (WHITESPACE.has(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, pos: i++ });
    } else if (c === '!' && s[i + 1] !== '=') {
      tokens.push({ kind: '!', text: c, pos: i++ });
    } else if (SPECIAL.has(c)) {
      // Longest match: "==" and "!=" are single operators.
      const two = s.slice(i, i + 2);
      const text = two === '==' || two === '!=' ? two : c;
      tokens.push({ kind: 'op', text, pos: i });
      i += text.length;
    } else {
      const start = i;
      while (i < s.length && !WHITESPACE.has(s[i] ?? '') && !SPECIAL.has(s[i] ?? '')) i++;
      tokens.push({ kind: 'ident', text: s.slice(start, i), pos: start });
    }
  }
  tokens.push({ kind: 'eos', text: '', pos: s.length });
  return tokens;
}

function show(t: Token): string {
  return t.kind === 'eos' ? 'end of input' : `'${t.text}'`;
}

class Parser {
  private i = 0;
  private readonly src: string;
  private readonly tokens: Token[];

  constructor(src: string) {
    this.src = src;
    this.tokens = lex(src);
  }

  private peek(): Token {
    // lex() always ends with 'eos', and we never advance past it.
    return this.tokens[Math.min(this.i, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eos') this.i++;
    return t;
  }

  private fail(problem: string, pos: number): never {
    throw new SelectorParseError(`invalid label selector "${this.src}": ${problem} at position ${pos}`, pos);
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    if (this.peek().kind === 'eos') return reqs;
    for (;;) {
      reqs.push(this.requirement());
      const t = this.next();
      if (t.kind === 'eos') return reqs;
      if (t.kind !== ',') this.fail(`expected ',' or end of input, found ${show(t)}`, t.pos);
    }
  }

  private key(t: Token): string {
    if (t.kind !== 'ident') this.fail(`expected a label key, found ${show(t)}`, t.pos);
    const err = qualifiedName(t.text);
    if (err !== undefined) this.fail(`invalid label key '${t.text}': ${err}`, t.pos);
    return t.text;
  }

  private value(t: Token): string {
    const err = labelValue(t.text);
    if (err !== undefined) this.fail(`invalid label value '${t.text}': ${err}`, t.pos);
    return t.text;
  }

  private atTermEnd(): boolean {
    const k = this.peek().kind;
    return k === ',' || k === 'eos';
  }

  private requirement(): Requirement {
    const first = this.next();
    if (first.kind === '!') {
      const key = this.key(this.next());
      if (!this.atTermEnd()) {
        const t = this.peek();
        this.fail(`'!${key}' must be followed by ',' or end of input, found ${show(t)}`, t.pos);
      }
      return { key, op: 'DoesNotExist', values: [] };
    }
    const key = this.key(first);
    if (this.atTermEnd()) return { key, op: 'Exists', values: [] };

    const opTok = this.next();
    if (opTok.kind === 'op' && (opTok.text === '=' || opTok.text === '==' || opTok.text === '!=')) {
      const op = opTok.text === '!=' ? 'NotIn' : 'In';
      // "k=" is legal and means the label is present with an empty value.
      if (this.atTermEnd()) return { key, op, values: [''] };
      const v = this.next();
      if (v.kind !== 'ident') this.fail(`expected a label value after '${opTok.text}', found ${show(v)}`, v.pos);
      return { key, op, values: [this.value(v)] };
    }
    if (opTok.kind === 'ident' && (opTok.text === 'in' || opTok.text === 'notin')) {
      return { key, op: opTok.text === 'in' ? 'In' : 'NotIn', values: this.valueList() };
    }
    if (opTok.kind === 'op' && (opTok.text === '<' || opTok.text === '>')) {
      this.fail(`operator '${opTok.text}' is not supported`, opTok.pos);
    }
    return this.fail(
      `expected one of '=', '==', '!=', 'in', 'notin', ',' after key '${key}', found ${show(opTok)}`,
      opTok.pos,
    );
  }

  private valueList(): string[] {
    const open = this.next();
    if (open.kind !== '(') this.fail(`expected '(', found ${show(open)}`, open.pos);
    const values: string[] = [];
    // apimachinery reads an empty slot ("()", "(a,)", "(,a)") as the empty value.
    let wantValue = true;
    for (;;) {
      const t = this.next();
      if (t.kind === 'ident' && wantValue) {
        values.push(this.value(t));
        wantValue = false;
      } else if (t.kind === ',' || t.kind === ')') {
        if (wantValue) values.push('');
        if (t.kind === ')') return values;
        wantValue = true;
      } else {
        this.fail(`expected ${wantValue ? 'a value' : "',' or ')'"} in value list, found ${show(t)}`, t.pos);
      }
    }
  }
}

function normalise(reqs: Requirement[]): Selector {
  const out = reqs.map((r) => ({ ...r, values: [...new Set(r.values)].sort() }));
  // Array.prototype.sort is stable, so same-key requirements keep their order.
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Parses kubectl `-l` syntax (`k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`); throws SelectorParseError. */
export function parseSelector(s: string): Selector {
  return normalise(new Parser(s).parse());
}

/** Converts a metav1.LabelSelector to a Selector (undefined matches everything); throws SelectorParseError. */
export function selectorFromLabelSelector(
  ls:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
): Selector {
  if (ls === undefined) return [];
  const reqs: Requirement[] = [];
  const checkKey = (key: unknown, field: string): string => {
    const err = typeof key === 'string' ? qualifiedName(key) : 'must be a string';
    if (err !== undefined) throw new SelectorParseError(`${field}: invalid label key ${JSON.stringify(key)}: ${err}`);
    return key as string;
  };
  const checkValue = (value: unknown, field: string): string => {
    // YAML turns `tier: 1` into a number; say so rather than matching nothing.
    const err = typeof value === 'string' ? labelValue(value) : 'must be a string';
    if (err !== undefined) {
      throw new SelectorParseError(`${field}: invalid label value ${JSON.stringify(value)}: ${err}`);
    }
    return value as string;
  };

  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) {
    const key = checkKey(k, `matchLabels`);
    reqs.push({ key, op: 'In', values: [checkValue(v, `matchLabels[${JSON.stringify(k)}]`)] });
  }
  (ls.matchExpressions ?? []).forEach((e, i) => {
    const field = `matchExpressions[${i}]`;
    const key = checkKey(e.key, `${field}.key`);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          throw new SelectorParseError(`${field}.values: must be non-empty for operator '${e.operator}'`);
        }
        reqs.push({ key, op: e.operator, values: values.map((v, j) => checkValue(v, `${field}.values[${j}]`)) });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length !== 0) {
          throw new SelectorParseError(`${field}.values: must be empty for operator '${e.operator}'`);
        }
        reqs.push({ key, op: e.operator, values: [] });
        break;
      default:
        throw new SelectorParseError(
          `${field}.operator: unknown operator ${JSON.stringify(e.operator)} (want In, NotIn, Exists or DoesNotExist)`,
        );
    }
  });
  return normalise(reqs);
}

/** True when `labels` satisfies every requirement; NotIn and DoesNotExist match absent labels. */
export function matchesSelector(sel: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const ls = labels ?? {};
  return sel.every((r) => {
    // Object.hasOwn, not `in`: a label key like "constructor" must not be
    // found on Object.prototype.
    const present = Object.hasOwn(ls, r.key);
    switch (r.op) {
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      case 'In':
        return present && r.values.includes(ls[r.key] as string);
      case 'NotIn':
        return !present || !r.values.includes(ls[r.key] as string);
    }
  });
}

/** Renders a Selector in kubectl `-l` syntax, using `k=v` / `k!=v` for single-value sets. */
export function formatSelector(sel: Selector): string {
  return sel
    .map((r) => {
      switch (r.op) {
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
      }
    })
    .join(',');
}
