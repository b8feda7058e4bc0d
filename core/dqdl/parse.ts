// DQDL text → rules. Accepts a list of rule strings or a ruleset string "Rules = [ rule, rule ]" (a list entry may be
// a ruleset too). The grammar is that of awslabs/dqdl (DataQualityDefinitionLanguage.g4); the checks are those of its
// rules-config.json, so a ruleset strata accepts is one Glue accepts. Errors name the rule, the character offset and
// what was expected there; parsing goes on with the next rule so that one pass reports every mistake.
import type { Comparator, Condition, HistoryFunction, Keyword, LeafRule, NumExpr, Operand, Rule } from './ast.ts';
import { LexError, tokenize, type Token } from './lexer.ts';
import { RULE_TYPES, UNSUPPORTED, type ConditionFamily, type RuleTypeSpec } from './rule-types.ts';
import { closest } from '../schema/diagnostics.ts';
import { isCalendarTime } from '../schema/types.ts';

export interface ParseError {
  /** Index of the rule, counting every rule of the input in order (list entries and ruleset members alike). */
  rule: number;
  /** Character offset of the offending token within the input string (the list entry, or the ruleset string). */
  offset: number;
  message: string;
}

export interface ParseResult {
  rules: Rule[];
  errors: ParseError[];
}

export function parseRules(input: string | readonly string[]): ParseResult {
  const sources = typeof input === 'string' ? [input] : input;
  const out: ParseResult = { rules: [], errors: [] };
  let index = 0;
  for (const text of sources) index = parseSource(text, index, out);
  return out;
}

/** One rule, for callers that hold a single rule string. */
export function parseRule(text: string): { rule?: Rule; error?: ParseError } {
  const r = parseRules([text]);
  if (r.errors[0]) return { error: r.errors[0] };
  if (r.rules.length !== 1) return { error: { rule: 0, offset: 0, message: 'expected exactly one rule' } };
  return { rule: r.rules[0]! };
}

class Fail extends Error {
  readonly tok: { at: number; end: number };
  constructor(tok: { at: number; end: number }, message: string) {
    super(message);
    this.tok = tok;
  }
}

const UNITS: Record<string, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
const SINGULAR_UNITS: Record<string, string> = { minute: 'minutes', hour: 'hours', day: 'days', min: 'minutes', mins: 'minutes', h: 'hours', d: 'days' };
const KEYWORDS: Record<string, Keyword> = {
  NULL: 'NULL', null: 'NULL', EMPTY: 'EMPTY', empty: 'EMPTY', WHITESPACES_ONLY: 'WHITESPACES_ONLY', whitespaces_only: 'WHITESPACES_ONLY',
};
const LIST_FUNCTIONS = ['avg', 'min', 'max', 'sum', 'median', 'std'];
const FUNCTIONS = ['last', ...LIST_FUNCTIONS, 'index', 'abs'];
const SECTIONS = ['Metadata', 'DataSources', 'Analyzers', 'DefaultLabels'];

function parseSource(text: string, firstIndex: number, out: ParseResult): number {
  let toks: Token[];
  try {
    toks = tokenize(text);
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    out.errors.push({ rule: firstIndex, offset: e.at, message: `${e.message} at ${context(text, 0, e.at + 1)}` });
    return firstIndex + 1;
  }
  const p = new Parser(text, toks);
  const isRuleset = p.isWord('Rules') && p.isOp('=', 1);
  if (!isRuleset) {
    const t = p.peek();
    if (t.t === 'word' && SECTIONS.includes(t.v) && p.isOp('=', 1)) {
      out.errors.push({ rule: firstIndex, offset: t.at, message: `the ${t.v} section is not supported: write "Rules = [ ... ]" only` });
      return firstIndex + 1;
    }
    try {
      const rule = p.topRule();
      const after = p.peek();
      if (after.t !== 'end') {
        throw new Fail(after, after.t === 'op' && after.v === ','
          ? 'one rule per list entry: write "Rules = [ rule, rule ]" to put several rules in one string'
          : `unexpected ${describe(after)} after the rule`);
      }
      out.rules.push(rule);
    } catch (e) {
      out.errors.push(p.toError(e, firstIndex));
    }
    return firstIndex + 1;
  }
  // Rules = [ rule, rule, ... ]
  p.next(); p.next();
  let index = firstIndex;
  try {
    p.expectOp('[', 'a "[" after "Rules ="');
  } catch (e) {
    out.errors.push(p.toError(e, index));
    return index + 1;
  }
  if (p.isOp(']')) {
    out.errors.push({ rule: index, offset: p.peek().at, message: 'the ruleset has no rules' });
    return index + 1;
  }
  let closed = false;
  for (;;) {
    const start = p.pos;
    try {
      const rule = p.topRule();
      const t = p.peek();
      if (!(t.t === 'op' && (t.v === ',' || t.v === ']'))) {
        throw new Fail(t, t.t === 'end' ? 'the ruleset has no closing "]"' : `expected "," or "]" after a rule but found ${describe(t)}`);
      }
      out.rules.push(rule);
    } catch (e) {
      out.errors.push(p.toError(e, index));
      p.skipRule(start);
    }
    index++;
    const t = p.next();
    if (t.t === 'op' && t.v === ',') {
      if (p.isOp(']')) { p.next(); closed = true; break; } // a trailing comma is harmless
      continue;
    }
    closed = t.t === 'op' && t.v === ']';
    break;
  }
  const rest = p.peek();
  const reported = out.errors.at(-1)?.rule === index - 1;
  if (!closed && !reported) out.errors.push({ rule: index - 1, offset: text.length, message: 'the ruleset has no closing "]"' });
  else if (rest.t !== 'end' && !reported) {
    const section = rest.t === 'word' && SECTIONS.includes(rest.v);
    out.errors.push({ rule: index - 1, offset: rest.at, message: section ? `the ${(rest as { v: string }).v} section is not supported` : `unexpected ${describe(rest)} after the closing "]" of the ruleset` });
  }
  return index;
}

function describe(t: Token): string {
  if (t.t === 'end') return 'the end of the rule';
  if (t.t === 'str') return `"${t.v}"`;
  if (t.t === 'num') return t.raw;
  return `"${t.v}"`;
}

/** The rule as written up to the offending token, for messages: `... at "RowCount > ab"`. */
function context(text: string, from: number, to: number): string {
  let s = text.slice(from, to).replace(/\s+/g, ' ').trim();
  if (s.length > 60) s = `…${s.slice(-60)}`;
  return `"${s}"`;
}

type Typed = { expr: NumExpr; type: 'number' | 'list' };

class Parser {
  pos = 0;
  private ruleStart = 0;
  private readonly text: string;
  private readonly toks: Token[];

  constructor(text: string, toks: Token[]) {
    this.text = text;
    this.toks = toks;
  }

  peek(n = 0): Token { return this.toks[Math.min(this.pos + n, this.toks.length - 1)]!; }
  prev(): Token | undefined { return this.pos > 0 ? this.toks[this.pos - 1] : undefined; }
  next(): Token { const t = this.peek(); if (this.pos < this.toks.length - 1) this.pos++; return t; }
  isOp(v: string, n = 0): boolean { const t = this.peek(n); return t.t === 'op' && t.v === v; }
  isWord(v: string, n = 0): boolean { const t = this.peek(n); return t.t === 'word' && t.v === v; }
  /** and/AND, or/OR, as in the lexer rules of the grammar. */
  isLogical(n = 0): 'and' | 'or' | undefined {
    const t = this.peek(n);
    if (t.t !== 'word') return undefined;
    if (t.v === 'and' || t.v === 'AND') return 'and';
    if (t.v === 'or' || t.v === 'OR') return 'or';
    return undefined;
  }

  expectOp(v: string, what: string): Token {
    if (!this.isOp(v)) throw new Fail(this.peek(), `expected ${what}${this.found()}`);
    return this.next();
  }

  found(): string {
    const t = this.peek();
    return t.t === 'end' ? '' : ` but found ${describe(t)}`;
  }

  after(): string {
    const p = this.prev();
    return p ? ` after ${p.t === 'str' ? `"${p.v}"` : `"${this.text.slice(p.at, p.end)}"`}` : '';
  }

  toError(e: unknown, rule: number): ParseError {
    if (!(e instanceof Fail)) throw e;
    return { rule, offset: e.tok.at, message: `${e.message} at ${context(this.text, this.ruleStart, Math.max(e.tok.end, e.tok.at))}` };
  }

  /** After an error, skip to the "," or "]" that ends the broken rule (brackets inside it are balanced). */
  skipRule(start: number): void {
    this.pos = start;
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.t === 'end') return;
      if (t.t === 'op') {
        if (t.v === '(' || t.v === '[') depth++;
        else if ((t.v === ')' || t.v === ']') && depth > 0) depth--;
        else if (depth === 0 && (t.v === ',' || t.v === ']')) return;
      }
      this.next();
    }
  }

  // rule := or ; or := and ("or" and)* ; and := primary ("and" primary)* ; primary := "(" or ")" | leaf
  topRule(): Rule {
    this.ruleStart = this.peek().at;
    return this.orRule().rule;
  }

  private orRule(): { rule: Rule; wrapped: boolean } {
    return this.chain('or', () => this.andRule());
  }

  private andRule(): { rule: Rule; wrapped: boolean } {
    return this.chain('and', () => this.primary());
  }

  private chain(op: 'and' | 'or', operand: () => { rule: Rule; wrapped: boolean }): { rule: Rule; wrapped: boolean } {
    const start = this.peek().at;
    const first = operand();
    if (this.isLogical() !== op) return first;
    const operands = [first];
    while (this.isLogical() === op) {
      const word = this.next();
      operands.push(operand());
      const bare = operands.find((o) => !o.wrapped);
      if (bare?.rule.kind === 'rule') {
        throw new Fail(word, `put each rule of "${op}" in parentheses, e.g. (IsComplete "id") ${op} (IsUnique "id")`);
      }
      if (bare) throw new Fail(word, 'mixing "and" and "or" needs parentheses, e.g. (A) and ((B) or (C))');
    }
    return { rule: { kind: op, operands: operands.map((o) => o.rule), text: this.text.slice(start, this.prev()!.end).trim() }, wrapped: false };
  }

  private primary(): { rule: Rule; wrapped: boolean } {
    if (this.isOp('(')) {
      this.next();
      const inner = this.orRule();
      this.expectOp(')', `a closing ")"${this.after()}`);
      if (this.isWord('labels')) {
        const labels = this.labels();
        if (inner.rule.kind === 'rule') inner.rule.labels = { ...inner.rule.labels, ...labels };
      }
      return { rule: inner.rule, wrapped: true };
    }
    return { rule: this.leaf(), wrapped: false };
  }

  private leaf(): LeafRule {
    const typeTok = this.next();
    if (typeTok.t !== 'word') {
      throw new Fail(typeTok, `expected a rule type such as RowCount, IsComplete or ColumnValues${typeTok.t === 'end' ? '' : ` but found ${describe(typeTok)}`}`);
    }
    const type = typeTok.v;
    const spec = RULE_TYPES[type];
    if (!spec) {
      const why = UNSUPPORTED[type];
      if (why) throw new Fail(typeTok, `${type} is not supported: ${why}`);
      const exact = Object.keys(RULE_TYPES).find((k) => k.toLowerCase() === type.toLowerCase());
      const near = exact ?? closest(type, Object.keys(RULE_TYPES));
      throw new Fail(typeTok, `unknown rule type "${type}"${near ? ` (did you mean ${near}?${exact ? ' rule types are case-sensitive' : ''})` : ''}`);
    }
    const params: string[] = [];
    const paramsAt: number[] = [];
    for (;;) {
      const t = this.peek();
      const connector = t.t === 'word' && ['of', 'OF', 'and', 'AND'].includes(t.v) && this.peek(1).t === 'str';
      if (connector) this.next();
      const p = this.peek();
      if (p.t !== 'str') break;
      this.next();
      params.push(p.v);
      paramsAt.push(p.at);
    }
    const [min, max] = spec.params;
    if (params.length < min || params.length > max) {
      const want = min === max ? (min === 0 ? 'no' : String(min)) : `${min} or more`;
      const bad = params.length > max ? this.prev()! : this.peek();
      throw new Fail(bad, `${type} takes ${want} quoted parameter${max === 1 ? '' : 's'} (${spec.paramHelp}), found ${params.length}`);
    }
    const rule: LeafRule = { kind: 'rule', type, params, text: '', at: { rule: typeTok.at, params: paramsAt } };
    const startsCondition = this.startsCondition();
    if (spec.condition === 'none') {
      if (startsCondition) throw new Fail(this.peek(), `${type} takes no condition, e.g. ${spec.example}`);
    } else if (spec.condition === 'optional-number') {
      if (startsCondition) rule.condition = this.condition('number', type, spec);
    } else {
      if (!startsCondition) {
        throw new Fail(this.peek(), `${type} needs a condition${this.after()}, e.g. ${spec.example}${this.peek().t === 'end' ? '' : ` (found ${describe(this.peek())})`}`);
      }
      rule.condition = this.condition(spec.condition, type, spec);
    }
    if (this.isWord('where')) {
      const w = this.next();
      if (!spec.where) throw new Fail(w, `${type} does not take a where clause`);
      const s = this.next();
      if (s.t !== 'str') throw new Fail(s, `expected a quoted SQL condition after "where", e.g. where "status = 'NEW'"`);
      if (!s.v.trim()) throw new Fail(s, 'the where clause is empty');
      rule.where = s.v;
      rule.at!.where = s.at;
    }
    if (this.isWord('labels')) rule.labels = this.labels();
    while (this.isWord('with')) {
      const w = this.next();
      const tag = this.next();
      if (tag.t !== 'word' || tag.v.toLowerCase() !== 'threshold') {
        throw new Fail(tag, `expected "threshold" after "with" (the only tag strata evaluates)${tag.t === 'end' ? '' : ` but found ${describe(tag)}`}`);
      }
      if (!spec.threshold) throw new Fail(w, `${type} does not take "with threshold"; only ColumnValues and row-level CustomSql do`);
      if (rule.condition && type === 'CustomSql') {
        throw new Fail(w, 'CustomSql takes a condition (one number returned) or "with threshold" (rows returned), not both');
      }
      if (rule.threshold) throw new Fail(w, 'only one "with threshold" per rule');
      if (!this.startsCondition()) throw new Fail(this.peek(), `expected a condition after "with threshold", e.g. with threshold > 0.9${this.found()}`);
      rule.threshold = this.condition('threshold', type, spec);
    }
    const end = this.peek();
    const endsRule = end.t === 'end' || (end.t === 'op' && [',', ')', ']'].includes(end.v)) || this.isLogical() !== undefined;
    if (!endsRule) {
      const hint = end.t === 'word' && end.v === 'threshold' ? ' (write "with threshold")'
        : end.t === 'word' && end.v === 'where' && rule.threshold ? ' (the where clause comes before "with threshold")' : '';
      throw new Fail(end, rule.condition || spec.condition === 'none'
        ? `unexpected ${describe(end)} after the rule${hint}`
        : `expected a condition such as > 0${this.after()} but found ${describe(end)}`);
    }
    rule.text = this.text.slice(typeTok.at, this.prev()!.end).trim();
    return rule;
  }

  private labels(): Record<string, string> {
    this.next();
    this.expectOp('=', 'labels=[ "key"="value", ... ]');
    this.expectOp('[', 'labels=[ "key"="value", ... ]');
    const labels: Record<string, string> = {};
    while (!this.isOp(']')) {
      const k = this.next();
      if (k.t !== 'str') throw new Fail(k, 'expected a quoted label key, e.g. labels=["team"="sales"]');
      this.expectOp('=', `"=" after the label key "${k.v}"`);
      const v = this.next();
      if (v.t !== 'str') throw new Fail(v, `expected a quoted value for the label "${k.v}"`);
      labels[k.v] = v.v;
      if (this.isOp(',')) this.next();
      else break;
    }
    this.expectOp(']', 'a closing "]" after the labels');
    return labels;
  }

  private startsCondition(): boolean {
    const t = this.peek();
    if (t.t === 'op') return ['=', '!=', '!', '>', '>=', '<', '<='].includes(t.v);
    return t.t === 'word' && ['not', 'between', 'in', 'matches'].includes(t.v);
  }

  private condition(family: ConditionFamily | 'threshold', type: string, spec: RuleTypeSpec): Condition {
    const first = this.peek();
    const negated = this.isWord('not');
    if (negated) this.next();
    let c: Condition;
    if (this.isWord('between')) {
      this.next();
      const low = this.operand(family, type, spec);
      const and = this.peek();
      if (!(and.t === 'word' && (and.v === 'and' || and.v === 'AND'))) {
        throw new Fail(and, `expected "and" in "between ... and ..."${this.found()}`);
      }
      this.next();
      const high = this.operand(family, type, spec);
      c = { kind: 'between', negated, low, high, text: '' };
    } else if (this.isWord('in')) {
      this.next();
      this.expectOp('[', `a list in square brackets after "in", e.g. in ["a", "b"]`);
      const operands: Operand[] = [];
      if (this.isOp(']')) throw new Fail(this.peek(), 'the list after "in" is empty');
      for (;;) {
        operands.push(this.operand(family, type, spec));
        if (this.isOp(',')) { this.next(); continue; }
        break;
      }
      this.expectOp(']', `"," or "]" in the list${this.after()}`);
      c = { kind: 'in', negated, operands, text: '' };
    } else if (this.isWord('matches')) {
      const m = this.next();
      if (family !== 'values') throw new Fail(m, `"matches" applies to ColumnValues, not to ${type}`);
      const s = this.next();
      if (s.t !== 'str') throw new Fail(s, 'expected a quoted regular expression after "matches"');
      c = { kind: 'matches', negated, pattern: s.v, text: '' };
    } else if (negated) {
      throw new Fail(this.peek(), `expected "between", "in" or "matches" after "not"${this.found()}`);
    } else {
      const t = this.next();
      let op: string | undefined = t.t === 'op' ? t.v : undefined;
      if (op === '!') {
        if (!this.isOp('=')) throw new Fail(this.peek(), 'expected "=" after "!"');
        this.next();
        op = '!=';
      }
      if (!op || !['=', '!=', '>', '>=', '<', '<='].includes(op)) {
        throw new Fail(t, `expected a condition (=, !=, >, >=, <, <=, between, in${family === 'values' ? ', matches' : ''})${t.t === 'end' ? '' : ` but found ${describe(t)}`}`);
      }
      c = { kind: 'compare', op: op as Comparator, operand: this.operand(family, type, spec), text: '' };
    }
    c.text = this.text.slice(first.at, this.prev()!.end);
    this.checkCondition(c, family, type, { at: first.at, end: this.prev()!.end });
    return c;
  }

  /** Operands must agree with what the rule compares: numbers, row values of one kind, or ages. */
  private checkCondition(c: Condition, family: ConditionFamily | 'threshold', type: string, at: { at: number; end: number }): void {
    const ops = c.kind === 'compare' ? [c.operand] : c.kind === 'between' ? [c.low, c.high] : c.kind === 'in' ? c.operands : [];
    if (family === 'number' || family === 'threshold' || family === 'optional-number') {
      const bad = ops.find((o) => o.kind !== 'number');
      if (bad) throw new Fail(at, `${family === 'threshold' ? 'a threshold' : type} compares a number; ${operandName(bad)} does not fit here`);
      return;
    }
    if (family === 'duration') {
      const bad = ops.find((o) => o.kind !== 'duration');
      if (bad) throw new Fail(at, `${type} compares the age of each row with a duration such as 24 hours, 30 minutes or 7 days; ${operandName(bad)} does not fit here`);
      return;
    }
    // ColumnValues: one kind of value per condition.
    const kinds = new Set(ops.map((o) => valueKind(o)).filter((k) => k !== 'null'));
    if (kinds.has('duration')) throw new Fail(at, 'durations apply to DataFreshness; ColumnValues compares values (numbers, strings or dates)');
    if (kinds.size > 1) throw new Fail(at, `a ColumnValues condition compares one kind of value, but this one mixes ${[...kinds].join(' and ')}`);
    const kind = [...kinds][0];
    if (kind === 'string' && (c.kind === 'between' || (c.kind === 'compare' && c.op !== '=' && c.op !== '!='))) {
      throw new Fail(at, 'strings are compared with =, !=, in and matches (use numbers or "YYYY-MM-DD" dates for ranges)');
    }
    if (c.kind === 'between' && ops.some((o) => o.kind === 'keyword')) throw new Fail(at, 'between takes two numbers or two dates');
    if (c.kind === 'compare' && c.operand.kind === 'keyword' && c.op !== '=' && c.op !== '!=') {
      throw new Fail(at, `${c.operand.value} can only be compared with = or !=`);
    }
  }

  private operand(family: ConditionFamily | 'threshold', type: string, spec: RuleTypeSpec): Operand {
    const t = this.peek();
    if (t.t === 'str') {
      this.next();
      if (/^\d{4}-\d{2}-\d{2}$/.test(t.v)) {
        if (!isCalendarTime(...(t.v.split('-').map(Number) as [number, number, number]))) throw new Fail(t, `"${t.v}" is not a calendar date`);
        return { kind: 'date', value: t.v };
      }
      return { kind: 'string', value: t.v };
    }
    if (t.t === 'word' && KEYWORDS[t.v]) {
      this.next();
      return { kind: 'keyword', value: KEYWORDS[t.v]! };
    }
    if (this.isWord('now') && this.isOp('(', 1)) return this.now(false);
    if (this.isOp('(') && this.isWord('now', 1) && this.isOp('(', 2)) return this.now(true);
    const start = t;
    const typed = this.expr();
    const unit = this.peek();
    if (unit.t === 'word' && (UNITS[unit.v] || SINGULAR_UNITS[unit.v])) {
      if (!UNITS[unit.v]) throw new Fail(unit, `write "${SINGULAR_UNITS[unit.v]}" (DQDL durations are in minutes, hours or days)`);
      if (typed.expr.kind !== 'number' || !Number.isInteger(typed.expr.value)) throw new Fail(start, 'a duration is a whole number followed by minutes, hours or days');
      this.next();
      return { kind: 'duration', ms: typed.expr.value * UNITS[unit.v]!, text: `${typed.expr.value} ${unit.v}` };
    }
    const span = { at: start.at, end: this.prev()!.end };
    if (typed.type === 'list') {
      throw new Fail(span, `${this.text.slice(start.at, this.prev()!.end)} is a list of previous values, not a number: compare with avg(...), min, max, sum, median, std or index(..., i) of it`);
    }
    if (hasCall(typed.expr)) {
      const dynamicAllowed = family !== 'threshold' && family !== 'values' && spec.dynamic;
      if (!dynamicAllowed) throw new Fail(span, `${family === 'threshold' ? 'a threshold' : type} does not take dynamic expressions (last(k) and friends)`);
    }
    return { kind: 'number', expr: typed.expr, text: this.text.slice(start.at, this.prev()!.end) };
  }

  /** now(), or (now() - 3 days) / (now() + 2 hours). */
  private now(parenthesised: boolean): Operand {
    const start = this.peek();
    if (parenthesised) this.next();
    this.next(); this.next();
    this.expectOp(')', '")" after "now("');
    let offsetMs = 0;
    if (parenthesised) {
      if (this.isOp('-') || this.isOp('+')) {
        const sign = (this.next() as { v: string }).v === '-' ? -1 : 1;
        const n = this.next();
        const u = this.next();
        if (n.t !== 'num' || !Number.isInteger(n.v) || u.t !== 'word' || !UNITS[u.v]) {
          throw new Fail(n, `expected a duration such as 3 days, 12 hours or 30 minutes after "now() ${sign < 0 ? '-' : '+'}"`);
        }
        offsetMs = sign * n.v * UNITS[u.v]!;
      }
      this.expectOp(')', `a closing ")"${this.after()}`);
    }
    return { kind: 'now', offsetMs, text: this.text.slice(start.at, this.prev()!.end) };
  }

  // expr := term (("+"|"-") term)* ; term := factor (("*"|"/") factor)* ; factor := "-" factor | num | "(" expr ")" | call
  private expr(): Typed {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next() as { v: '+' | '-' } & Token;
      const right = this.term();
      left = this.arith(op, left, right);
    }
    return left;
  }

  private term(): Typed {
    let left = this.factor();
    while (this.isOp('*') || this.isOp('/')) {
      const op = this.next() as { v: '*' | '/' } & Token;
      const right = this.factor();
      left = this.arith(op, left, right);
    }
    return left;
  }

  private arith(op: Token & { v: string }, left: Typed, right: Typed): Typed {
    if (left.type === 'list' || right.type === 'list') {
      throw new Fail(op, `"${op.v}" needs numbers on both sides; last(k) is a list: use avg(last(k)) or index(last(k), i)`);
    }
    return { expr: { kind: 'binary', op: op.v as '+', left: left.expr, right: right.expr }, type: 'number' };
  }

  private factor(): Typed {
    const t = this.peek();
    if (this.isOp('-')) {
      this.next();
      const arg = this.factor();
      if (arg.type === 'list') throw new Fail(t, '"-" needs a number; last(k) is a list');
      return { expr: arg.expr.kind === 'number' ? { kind: 'number', value: -arg.expr.value, ...(arg.expr.raw === undefined ? {} : { raw: arg.expr.raw.startsWith('-') ? arg.expr.raw.slice(1) : `-${arg.expr.raw}` }) } : { kind: 'negate', arg: arg.expr }, type: 'number' };
    }
    if (t.t === 'num') { this.next(); return { expr: { kind: 'number', value: t.v, raw: t.raw }, type: 'number' }; }
    if (this.isOp('(')) {
      this.next();
      const e = this.expr();
      this.expectOp(')', `a closing ")"${this.after()}`);
      return e;
    }
    if (t.t === 'word' && this.isOp('(', 1)) return this.call(t);
    throw new Fail(t, `expected a number or "last(k)"${this.after()}`);
  }

  private call(name: Token & { t: 'word' }): Typed {
    const fn = name.v as HistoryFunction;
    if (!FUNCTIONS.includes(fn)) {
      throw new Fail(name, `unknown function "${name.v}" (dynamic rules know ${FUNCTIONS.join(', ')})`);
    }
    this.next(); this.next();
    const args: Typed[] = [];
    const argToks: Token[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        argToks.push(this.peek());
        args.push(this.expr());
        if (this.isOp(',')) { this.next(); continue; }
        break;
      }
    }
    this.expectOp(')', `"," or ")" in ${fn}(...)`);
    const intLiteral = (i: number, what: string, min: number): number => {
      const a = args[i];
      if (!a || a.expr.kind !== 'number' || !Number.isInteger(a.expr.value) || a.expr.value < min) throw new Fail(argToks[i] ?? name, `${fn}() takes ${what}`);
      return a.expr.value;
    };
    if (fn === 'last') {
      if (args.length !== 1) throw new Fail(name, 'last(k) takes one whole number k ≥ 1: the number of previous runs');
      intLiteral(0, 'a whole number k ≥ 1: the number of previous runs', 1);
      return { expr: { kind: 'call', fn, args: args.map((a) => a.expr) }, type: 'list' };
    }
    if (LIST_FUNCTIONS.includes(fn)) {
      if (args.length !== 1 || args[0]!.type !== 'list') throw new Fail(name, `${fn}() aggregates previous values: write ${fn}(last(k))`);
      return { expr: { kind: 'call', fn, args: [args[0]!.expr] }, type: 'number' };
    }
    if (fn === 'index') {
      if (args.length !== 2 || args[0]!.type !== 'list') throw new Fail(name, 'index() takes last(k) and a position: index(last(5), 0) is the most recent value');
      const i = intLiteral(1, 'a whole-number position ≥ 0 (0 is the most recent run)', 0);
      const k = ((args[0]!.expr as { args: NumExpr[] }).args[0] as { value: number }).value;
      if (i >= k) throw new Fail(argToks[1]!, `index ${i} is outside last(${k}): positions run from 0 to ${k - 1}`);
      return { expr: { kind: 'call', fn, args: args.map((a) => a.expr) }, type: 'number' };
    }
    // abs
    if (args.length !== 1 || args[0]!.type !== 'number') throw new Fail(name, 'abs() takes one number');
    return { expr: { kind: 'call', fn, args: [args[0]!.expr] }, type: 'number' };
  }
}

function hasCall(e: NumExpr): boolean {
  if (e.kind === 'call') return true;
  if (e.kind === 'binary') return hasCall(e.left) || hasCall(e.right);
  if (e.kind === 'negate') return hasCall(e.arg);
  return false;
}

function valueKind(o: Operand): string {
  switch (o.kind) {
    case 'number': return 'numbers';
    case 'string': return 'string';
    case 'keyword': return o.value === 'NULL' ? 'null' : 'string';
    case 'date': case 'now': return 'dates';
    case 'duration': return 'duration';
  }
}

function operandName(o: Operand): string {
  switch (o.kind) {
    case 'string': return `the string "${o.value}"`;
    case 'date': return `the date "${o.value}"`;
    case 'keyword': return o.value;
    case 'now': return o.text;
    case 'duration': return `the duration ${o.text}`;
    case 'number': return o.text;
  }
}

