// strata check for quality gates: every DQDL rule parses (syntax errors point at the rule's line and the column of
// the problem), and rules name columns that exist, with types that fit, and datasets that exist — found without
// running any SQL (core/dqdl checkRules). The rules' own SQL (CustomSql statements, where clauses) is vetted by
// DuckDB's parser (core/dqdl/sandbox.ts), and what it refuses is reported at its line and column. Silver rules are
// checked here; gold rules once the gold SQL has been analysed (their columns come from it), by checkGoldRules,
// which core/gold/check.ts calls.
import { isScalar, type Scalar } from 'yaml';
import { leaves, type Rule } from '../dqdl/ast.ts';
import { checkRules, compileRules, plannedLeaves } from '../dqdl/compile.ts';
import { toNumber } from '../dqdl/interpret.ts';
import { parseRules } from '../dqdl/parse.ts';
import { bindPrimary } from '../dqdl/custom-sql.ts';
import { vetRules } from '../dqdl/sandbox.ts';
import { duckdbReadType, parseType } from '../schema/types.ts';
import { ident } from '../sql/quote.ts';
import { engineMessage } from '../errors.ts';
import type { RuleContext } from '../dqdl/types.ts';
import { lineCol, parseSql } from '../gold/ast.ts';
import { kindOfDuckType, portabilityFindings } from '../gold/portability.ts';
import { withBinder, type SqlSession } from '../sql/binder.ts';
import { readColumns } from '../plan/glue-table.ts';
import { compile } from '../plan/compile.ts';
import type { GoldPlan } from '../gold/analyze.ts';
import type { Diagnostic } from '../schema/diagnostics.ts';
import { hasRules, type RuleList } from '../schema/model.ts';
import { registerAsyncProjectCheck, registerProjectCheck, type LoadedSchema } from '../schema/project.ts';

const FIX = 'see the DQDL reference in the README (Quality gates) for each rule type and its form';

export function checkQuality(schemas: readonly LoadedSchema[]): Diagnostic[] {
  const all: Diagnostic[] = [];
  const datasets = new Map(schemas.map((s) => [s.spec.dataset, s]));
  for (const s of schemas) {
    const out: Diagnostic[] = [];
    // Syntax, in every gate of the file.
    const gates: Array<{ path: Array<string | number>; list: RuleList }> = [
      { path: ['quality', 'silver'], list: s.spec.quality.silver },
      ...s.spec.gold.map((g, i) => ({ path: ['gold', i, 'quality'], list: g.quality })),
    ];
    for (const gate of gates) {
      for (const severity of ['halt', 'warn'] as const) {
        gate.list[severity].forEach((text, i) => {
          for (const e of parseRules(text).errors) out.push(at(s, [...gate.path, severity, i], e.offset, `quality rule "${text}": ${e.message}`, FIX));
        });
      }
    }
    // Columns, types and references of the silver gate, against the dataset's silver table.
    const problems = !hasRules(s.spec.quality.silver) ? [] : ruleProblems(s.spec.quality.silver, {
      batch: '__batch', columns: readColumns(compile(s.spec).tables.silver),
      reference: (ds) => (ds === s.spec.dataset ? '__batch' : datasets.has(ds) ? `silver."${ds}"` : undefined),
    });
    for (const p of problems) {
      out.push(at(s, ['quality', 'silver', p.severity, p.index], undefined, `quality rule "${p.rule}": ${p.message}`, referenceFix(p.message, [...datasets.keys()])));
    }
    // In the file's order, rule by rule.
    all.push(...out.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  return all;
}

/** The SQL of every silver gate's rules, vetted by DuckDB's parser (gold gates: checkGoldRules). */
export async function checkQualitySql(schemas: readonly LoadedSchema[]): Promise<Diagnostic[]> {
  const datasets = new Set(schemas.map((s) => s.spec.dataset));
  const gates = schemas.filter((s) => hasRules(s.spec.quality.silver));
  if (!gates.some((s) => hasSql(s.spec.quality.silver))) return [];
  return withBinder(async (db) => {
    const out: Diagnostic[] = [];
    const columnsOf = new Map(schemas.map((s) => [s.spec.dataset, readColumns(compile(s.spec).tables.silver)]));
    for (const [ds, columns] of columnsOf) await gateViews(db, 'silver', ds, columns);
    for (const s of gates) {
      const reference = (ds: string) => (ds === s.spec.dataset ? '__batch' : datasets.has(ds) ? `silver."${ds}"` : undefined);
      const columns = columnsOf.get(s.spec.dataset)!;
      await gateViews(db, '', '__batch', columns);
      out.push(...await sqlProblems(db, s, ['quality', 'silver'], s.spec.quality.silver, { batch: '__batch', columns, reference }, ''));
    }
    return out;
  });
}

/** Gold rules against the analysed gold table: its columns, and the silver datasets the refresh reads whole. */
export async function checkGoldRules(schemas: readonly LoadedSchema[], gold: readonly GoldPlan[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const g of gold) {
    const s = schemas.find((x) => x.spec.dataset === g.owner);
    const index = s?.spec.gold.findIndex((x) => x.table === g.table) ?? -1;
    if (!s || index < 0) continue;
    const whole = g.reads.silver.filter((ds) => ds !== g.incremental?.driver || g.refresh === 'full');
    const reference = (ds: string) => (whole.includes(ds) ? `silver."${ds}"` : undefined);
    const problems = ruleProblems(g.quality, {
      batch: 'gold_batch', columns: g.columns.map((c) => ({ name: c.name, type: c.duckdbType })), reference,
    });
    for (const p of problems) {
      out.push(at(s, ['gold', index, 'quality', p.severity, p.index], undefined, `gold table ${g.table}: quality rule "${p.rule}": ${p.message}`,
        /does not exist/.test(p.message) ? `use a column of the gold table: ${g.columns.map((c) => c.name).join(', ')}` : /reference/i.test(p.message)
          ? `a gold rule may reference the silver datasets its refresh reads whole: ${whole.join(', ') || 'none'}` : FIX));
    }
    if (hasSql(g.quality)) {
      out.push(...await withBinder(async (db) => [
        ...await goldRelations(db, schemas, whole, g).then(() => sqlProblems(db, s, ['gold', index, 'quality'], g.quality, { batch: 'gold_batch', columns: g.columns.map((c) => ({ name: c.name, type: c.duckdbType })), reference }, `gold table ${g.table}: `)),
        ...(g.engine === 'athena' ? await athenaProblems(db, s, ['gold', index, 'quality'], g) : []),
      ]));
    }
  }
  return out;
}

/**
 * A gold gate of an `engine: athena` table runs its rules' SQL on Athena (runtime/gold/refresh-athena.ts), and the
 * local lake on DuckDB: what the gold SQL may not do for being read otherwise by one of them (core/gold/portability.ts:
 * an integer division, QUALIFY, …) it may not do in a CustomSql statement or a where clause either, or the same gate
 * would pass on one engine and halt on the other. `primary` is the gold table (its columns' types are known).
 */
async function athenaProblems(db: SqlSession, s: LoadedSchema, path: Array<string | number>, g: GoldPlan): Promise<Diagnostic[]> {
  const kinds = new Map(g.columns.map((c) => [c.name.toLowerCase(), kindOfDuckType(c.duckdbType)]));
  const scope = { column: (_q: string, name: string) => kinds.get(name.toLowerCase()) };
  const out: Diagnostic[] = [];
  for (const severity of ['halt', 'warn'] as const) {
    for (const [index, text] of g.quality[severity].entries()) {
      for (const leaf of parseRules(text).rules.flatMap(leaves)) {
        const pieces: Array<{ sql: string; at: number | undefined; shift: number }> = [];
        if (leaf.type === 'CustomSql' && leaf.params[0] !== undefined) pieces.push({ sql: leaf.params[0], at: leaf.at?.params[0], shift: 0 });
        if (leaf.where !== undefined) {
          const head = 'SELECT 1 FROM primary WHERE ';
          pieces.push({ sql: `${head}${leaf.where}`, at: leaf.at?.where, shift: head.length });
        }
        for (const piece of pieces) {
          // "primary" is a reserved word to DuckDB's parser: quoted, as the compiler binds it (2 characters each).
          const bound = bindPrimary(piece.sql);
          const parsed = await parseSql(db, bound);
          if ('error' in parsed) continue; // the vetting reports what does not parse
          for (const f of portabilityFindings(parsed.select, bound, scope)) {
            const quotes = 2 * (bound.slice(0, f.offset).match(/"primary"/gi)?.length ?? 0);
            // The offset in the rule text: past the opening quote, then into the SQL.
            const offset = piece.at === undefined ? undefined : piece.at + 1 + Math.max(0, f.offset - quotes - piece.shift);
            out.push(at(s, [...path, severity, index], offset, `gold table ${g.table}: quality rule "${leaf.text.replace(/\s+/g, ' ')}": runs on Athena (engine: athena): ${f.message}`, f.fix));
          }
        }
      }
    }
  }
  return out;
}

/** Does any rule of the gate carry SQL of its own (a CustomSql statement, a where clause)? */
function hasSql(list: RuleList): boolean {
  return [...list.halt, ...list.warn].some((t) => /\bCustomSql\b|\bwhere\b/.test(t));
}

/** The gold gate's relations in the binder (gateViews): the gold batch, and the silver tables its rules may read. */
async function goldRelations(db: SqlSession, schemas: readonly LoadedSchema[], whole: readonly string[], g: GoldPlan): Promise<void> {
  for (const ds of whole) {
    const spec = schemas.find((x) => x.spec.dataset === ds)?.spec;
    if (spec) await gateViews(db, 'silver', ds, readColumns(compile(spec).tables.silver));
  }
  await gateViews(db, '', 'gold_batch', g.columns.map((c) => ({ name: c.name, type: c.duckdbType })));
}

/**
 * The views of one relation of a gate, `schema`.`name` (schema '' for none) with `columns` (Glue or DuckDB types):
 * with no rows; as `<name>__nulls` with one row of NULLs; as `<name>__text` with one row whose text columns hold "x".
 * Over no rows a statement binds; over one row the optimiser's folding runs too, so a constant that does not convert
 * (`id + 'x'`) fails there as at every run; over the text row, text compared with a number fails.
 */
async function gateViews(db: SqlSession, schema: string, name: string, columns: ReadonlyArray<{ name: string; type: string }>): Promise<void> {
  const typeOf = (t: string) => { const l = parseType(t); return 'error' in l ? t : duckdbReadType(l); };
  const select = `SELECT ${columns.map((c) => `CAST(NULL AS ${typeOf(c.type)}) AS ${ident(c.name)}`).join(', ') || '1 AS __none'}`;
  // A row whose text is no number (and other values plain): what a comparison of text with a number meets at once.
  const text = `SELECT ${columns.map((c) => `CAST(${typeOf(c.type) === 'VARCHAR' ? "'x'" : 'NULL'} AS ${typeOf(c.type)}) AS ${ident(c.name)}`).join(', ') || '1 AS __none'}`;
  const q = (n: string) => (schema ? `${schema}.${ident(n)}` : ident(n));
  if (schema) await db.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await db.run(`CREATE OR REPLACE VIEW ${q(name)} AS ${select} WHERE false; CREATE OR REPLACE VIEW ${q(`${name}__nulls`)} AS ${select}; `
    + `CREATE OR REPLACE VIEW ${q(`${name}__text`)} AS ${text}`);
}

/**
 * What the vetting refuses in a gate's rules, at the rule's line and column (the entry, if it cannot point closer);
 * then what would make a rule ERROR at every run whatever the rows, found by binding its statements against the
 * gate's relations (gateViews: `batch` and the reference views must exist in `db`): a column or function that does
 * not bind, a value that does not convert, a parameter with no value, a CustomSql statement that returns more than
 * one column or never a number; and, as warnings, text compared with a number and a CustomSql statement returning
 * constant text (probeRule).
 */
async function sqlProblems(db: SqlSession, s: LoadedSchema, path: Array<string | number>, list: RuleList,
  gate: { batch: string; columns: Array<{ name: string; type: string }>; reference: (ds: string) => string | undefined }, prefix: string): Promise<Diagnostic[]> {
  // Vetted together, as the gate runs them: the whole gate declares the datasets its CustomSql statements may read.
  const entries = (['halt', 'warn'] as const).flatMap((severity) => list[severity].map((text, index) => ({ severity, index, parsed: parseRules(text) })))
    .filter((e) => !e.parsed.errors.length);
  const entryOf = new Map(entries.flatMap((e) => e.parsed.rules.flatMap(leaves).map((l) => [l, e] as const)));
  const rules = entries.flatMap((e) => e.parsed.rules);
  const verdicts = await vetRules(db, rules, { reference: gate.reference, knownColumns: gate.columns.map((c) => c.name) });
  const out = verdicts.findings.map((f) => {
    const e = entryOf.get(f.rule)!;
    return at(s, [...path, e.severity, e.index], f.sourceOffset, `${prefix}quality rule "${f.rule.text.replace(/\s+/g, ' ')}": ${f.what}: ${f.message}`, f.fix);
  });
  const refused = new Set(verdicts.findings.map((f) => f.rule));
  const ctx: RuleContext = { dialect: 'duckdb', batch: gate.batch, columns: gate.columns, now: new Date().toISOString(), reference: gate.reference, sql: verdicts, history: () => [] };
  // The same relations with one row each (gateViews): `x` → `x__nulls`, `silver."x"` → `silver."x__nulls"`, and __text.
  const variant = (suffix: string) => {
    const v = (r: string | undefined) => r?.replace(/^((?:\w+\.)?)"?([^"]+)"?$/, `$1"$2__${suffix}"`);
    return { ...ctx, batch: v(gate.batch)!, reference: (ds: string) => v(gate.reference(ds)) };
  };
  const withNulls: RuleContext = variant('nulls');
  const withText: RuleContext = variant('text');
  const probed = entries.flatMap((e) => e.parsed.rules.filter((rule) => {
    const own = leaves(rule).filter((l) => l.type === 'CustomSql' || l.where !== undefined);
    return own.length > 0 && !own.some((l) => refused.has(l));
  }));
  const findings = await probeRules(db, probed, ctx, withNulls, withText);
  for (const e of entries) {
    for (const rule of e.parsed.rules) {
      const found = findings.get(rule);
      if (!found) continue;
      const where = [...path, e.severity, e.index];
      const text = `${prefix}quality rule "${rule.text.replace(/\s+/g, ' ')}"`;
      if (found.problem) out.push(at(s, where, undefined, `${text}: ${found.problem}`, 'fix the rule\'s SQL: as written, every run would end it in ERROR'));
      if (found.converts) {
        out.push({ ...at(s, where, undefined, `${text}: it converts text to a number (${found.converts.replace(/^Could not convert string 'x' to (\w+).*$/, 'to $1')}), so the first value that is no number ends it in ERROR`,
          "compare text with text ('1'), or CAST it with TRY_CAST(x AS INTEGER) where not every value is a number"), severity: 'warning' });
      }
      if (found.constantText !== undefined) {
        out.push({ ...at(s, where, undefined, `${text}: the CustomSql statement returns ${JSON.stringify(found.constantText)} whatever the rows, which is no number: the rule ends in ERROR`,
          'return a number (count(*), sum(…), a boolean)'), severity: 'warning' });
      }
    }
  }
  return out;
}

/** What probeRule finds in a rule: nothing, a problem, or warnings. */
type Probed = Awaited<ReturnType<typeof probeRule>>;

/**
 * probeRule of each rule, found with as few statements as the findings allow. Rules whose own SQL is where clauses
 * alone are probed together first, their statements compiled as one gate compiles them: when each binds and runs over
 * both rows without an error, none of those rules has a problem or converts text (a statement over more rules
 * evaluates every expression a statement over fewer does). A group that meets an error is halved until the rules that
 * meet one are probed alone, so k such rules among n cost about 2k·log2(n) group probes, not n probes: strata check,
 * and every command that loads the project, took 4 ms per rule with a where clause (3.6–4.2 s for 1,000, 2026-12-05).
 * Rules with a CustomSql leaf are probed alone (what a statement returns over the rows is read per statement).
 */
async function probeRules(db: SqlSession, rules: readonly Rule[], ctx: RuleContext, withNulls: RuleContext, withText: RuleContext): Promise<Map<Rule, Probed>> {
  const out = new Map<Rule, Probed>();
  const alone = async (rule: Rule) => { out.set(rule, await probeRule(db, rule, ctx, withNulls, withText)); };
  const group = async (some: readonly Rule[]): Promise<void> => {
    if (some.length === 1) return alone(some[0]!);
    if (await runsClean(db, some, ctx, withNulls, withText)) {
      for (const rule of some) out.set(rule, {});
      return;
    }
    const half = Math.ceil(some.length / 2);
    await group(some.slice(0, half));
    await group(some.slice(half));
  };
  const custom = (rule: Rule) => leaves(rule).some((l) => l.type === 'CustomSql');
  for (const rule of rules.filter(custom)) await alone(rule);
  const rest = rules.filter((r) => !custom(r));
  if (rest.length) await group(rest);
  return out;
}

/** Whether every statement of `rules`, compiled together, binds over no rows and runs over the NULL and the text row (probeRule). */
async function runsClean(db: SqlSession, rules: readonly Rule[], ctx: RuleContext, withNulls: RuleContext, withText: RuleContext): Promise<boolean> {
  const [plain, nulls, text] = [ctx, withNulls, withText].map((c) => compileRules(rules, c));
  try {
    for (const [i, q] of plain!.queries.entries()) {
      await db.columns(q.sql);
      await db.all(nulls!.queries[i]!.sql);
      await db.all(text!.queries[i]!.sql);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * What running `rule` (with SQL of its own, vetted) over the gate's relations tells before any batch does. Each of its
 * statements, compiled once per variant of the relations (gateViews), is bound over no rows (`ctx`), run over a row
 * of NULLs (`withNulls`) and over a row whose text is "x" (`withText`):
 * - `problem`: what makes it ERROR at every run, whatever the rows: a statement that does not bind, or fails on any
 *   row, or a CustomSql statement with a condition (interpret.ts reads one number from it) that returns several
 *   columns or a type that is never a number;
 * - `converts`: when there is no problem, the conversion error the text row meets (text compared with a number, which
 *   fails on the first value that is no number; only a warning: a column of digits converts at every run);
 * - `constantText`: when there is no problem, the text that is no number a CustomSql statement with a condition returns
 *   over both rows alike (`select 'abc'`; a warning, as two rows do not prove it constant).
 */
async function probeRule(db: SqlSession, rule: Rule, ctx: RuleContext, withNulls: RuleContext, withText: RuleContext): Promise<{ problem?: string; converts?: string; constantText?: string }> {
  const [plain, nulls, text] = [ctx, withNulls, withText].map((c) => compileRules([rule], c));
  // Statements read as one number: those of CustomSql leaves with a condition (a row-level one returns rows).
  const valued = new Set(plannedLeaves(plain!.rules).map((l) => l.customQuery).filter((i) => i !== undefined));
  const run = (sql: string) => db.all(sql).then((rows) => ({ rows }), (e: unknown) => ({ error: engineMessage(e).split('\n')[0]! }));
  const out: { converts?: string; constantText?: string } = {};
  for (const [i, q] of plain!.queries.entries()) {
    let columns: Array<{ name: string; type: string }>;
    try {
      columns = await db.columns(q.sql);
    } catch (e) {
      return { problem: `its SQL does not bind: ${engineMessage(e).split('\n')[0]}` };
    }
    const overNulls = await run(nulls!.queries[i]!.sql);
    if ('error' in overNulls) return { problem: `its SQL fails on any row: ${overNulls.error}` };
    if (valued.has(i)) {
      if (columns.length !== 1) return { problem: `the CustomSql statement returns ${columns.length} columns; with a condition it must return one number` };
      // Numbers, booleans (1 or 0) and text that holds a number are read as one (toNumber); these never are.
      if (/^(DATE|TIME\b.*|TIMESTAMP.*|INTERVAL|BLOB|UUID|BIT|.*\[\d*\]|STRUCT.*|MAP.*|UNION.*)$/.test(columns[0]!.type)) {
        return { problem: `the CustomSql statement returns a ${columns[0]!.type}, not a number` };
      }
    }
    const overText = await run(text!.queries[i]!.sql);
    if ('error' in overText) {
      if (/Could not convert/i.test(overText.error)) out.converts ??= overText.error;
    } else if (valued.has(i)) {
      const word = (rows: Array<Record<string, unknown>>) => {
        const v = rows.length === 1 ? Object.values(rows[0]!)[0] : undefined;
        return typeof v === 'string' && toNumber(v) === undefined ? v : undefined;
      };
      const a = word(overNulls.rows);
      if (a !== undefined && a === word(overText.rows)) out.constantText ??= a;
    }
  }
  return out;
}

/** What checkRules finds in each rule of a gate that parses (syntax errors are reported on their own), by position. */
function ruleProblems(list: RuleList, batch: Pick<RuleContext, 'batch' | 'columns' | 'reference'>): Array<{ severity: 'halt' | 'warn'; index: number; rule: string; message: string }> {
  const out: Array<{ severity: 'halt' | 'warn'; index: number; rule: string; message: string }> = [];
  for (const severity of ['halt', 'warn'] as const) {
    list[severity].forEach((text, index) => {
      const parsed = parseRules(text);
      if (parsed.errors.length) return;
      for (const p of checkRules(parsed.rules, { ...batch, dialect: 'duckdb', now: new Date(0).toISOString() })) out.push({ severity, index, ...p });
    });
  }
  return out;
}

function referenceFix(message: string, datasets: string[]): string {
  if (/reference dataset|unknown dataset/i.test(message)) return `reference one of the datasets in schemas/: ${datasets.join(', ')}`;
  if (/does not exist/.test(message)) return 'use a column of this dataset (strata plan <dataset> lists them)';
  return FIX;
}

/**
 * A diagnostic at a scalar of the schema file (a rule's list entry, a gold table's SQL), moved to the character at
 * `offset` in its value: on the scalar's line for a one-line scalar, on its own line inside a literal block (|).
 */
export function at(s: LoadedSchema, path: Array<string | number>, offset: number | undefined, message: string, fix: string | undefined): Diagnostic {
  const d = s.source.diagnostic(path, message, fix);
  if (offset === undefined) return d;
  const node = s.source.doc.getIn(path, true);
  const t = isScalar(node) ? String((node as Scalar).type) : '';
  if (t === 'BLOCK_LITERAL') {
    // The block's text starts on the line after its indicator, each line indented by the block's indentation.
    const value = String((node as Scalar).value);
    const p = lineCol(value, offset);
    const line = d.line + p.line;
    const indent = (text: string | undefined) => /^[ \t]*/.exec(text ?? '')![0].length;
    return { ...d, line, column: indent(s.source.text.split('\n')[line - 1]) - indent(value.split('\n')[p.line - 1]) + p.column };
  }
  if (t.startsWith('BLOCK')) return d;
  return { ...d, column: d.column + offset + (t.startsWith('QUOTE') ? 1 : 0) };
}

registerProjectCheck(checkQuality);
registerAsyncProjectCheck(checkQualitySql);
