// The SQL rules carry — CustomSql statements and where clauses — vetted before any of it is compiled into a query
// (core/sql/sandbox.ts does the vetting, with DuckDB's parser):
//   * a CustomSql statement is exactly one SELECT reading `primary` (the batch) and the reference datasets the
//     ruleset declares (by ReferentialIntegrity or RowCountMatch; read by their names, as Glue reads aliases);
//   * a where clause is exactly one condition on the row, reading no table;
//   * both call only functions on the allow-list (core/sql/functions.ts).
// The verdicts go into RuleContext.sql: compileRules splices no rule SQL without a clean one. `strata check` reports
// the findings at the rule's position; at run time a rule refused here is an ERROR and nothing of it runs.
import { declaredReferences, leaves, type LeafRule, type Rule } from './ast.ts';
import { compileRules } from './compile.ts';
import { boundStatement } from './custom-sql.ts';
import { rawOffset } from './lexer.ts';
import type { CompiledRuleset, RuleContext, SqlVerdict, SqlVerdicts } from './types.ts';
import type { SqlSession } from '../sql/binder.ts';
import { conditionColumns, vetCondition, vetQuery, type SqlFinding } from '../sql/sandbox.ts';
import { closest } from '../schema/diagnostics.ts';

export interface RuleSqlFinding extends SqlFinding {
  rule: LeafRule;
  what: 'CustomSql statement' | 'where clause';
  /** Offset in the string the rule was parsed from (its list entry or ruleset), when the parser recorded it. */
  sourceOffset?: number;
}

export class RuleSqlVerdicts implements SqlVerdicts {
  private readonly verdicts = new Map<LeafRule, SqlVerdict>();
  readonly findings: RuleSqlFinding[] = [];

  of(rule: LeafRule): SqlVerdict | undefined {
    return this.verdicts.get(rule);
  }

  set(rule: LeafRule, verdict: SqlVerdict): void {
    this.verdicts.set(rule, verdict);
  }
}

/**
 * Vet the SQL of every rule that has some. `ctx.reference` says which declared datasets the evaluation can read.
 * Rules without SQL get no verdict (they need none). Never throws for bad SQL: it becomes a finding and a refusal.
 */
export async function vetRules(db: SqlSession, rules: readonly Rule[], ctx: Pick<RuleContext, 'reference'> & { knownColumns?: readonly string[] }): Promise<RuleSqlVerdicts> {
  const out = new RuleSqlVerdicts();
  const readable = declaredReferences(rules).filter((ds) => ctx.reference?.(ds) !== undefined);
  const names = new Map(readable.map((ds) => [ds.toLowerCase(), ds]));
  // The same where clause often guards many rules: each distinct text is parsed once (a verdict depends on the text only).
  const conditions = new Map<string, ReturnType<typeof vetCondition>>();
  for (const rule of rules.flatMap(leaves)) {
    const findings: RuleSqlFinding[] = [];
    let references: string[] = [];
    if (rule.type === 'CustomSql' && rule.params[0] !== undefined) {
      const bound = boundStatement(rule.params[0]);
      const reads = new Set<string>();
      const r = await vetQuery(db, bound.text, ({ catalog, schema, table }) => {
        const ds = !catalog && !schema ? (table.toLowerCase() === 'primary' ? 'primary' : names.get(table.toLowerCase())) : undefined;
        if (ds) { if (ds !== 'primary') reads.add(ds); return undefined; }
        const name = [catalog, schema, table].filter(Boolean).join('.');
        return {
          message: `it reads ${name}, but a CustomSql statement reads only primary (the batch)${readable.length ? ` and ${readable.join(', ')}` : ''}`,
          fix: readable.length ? `read primary or ${readable.join(', ')}` : 'read primary; another dataset can be read once the ruleset declares it (ReferentialIntegrity or RowCountMatch)',
        };
      });
      references = [...reads];
      findings.push(...r.findings.map((f) => locate(rule, 'CustomSql statement', f, rule.at?.params[0], bound.original(f.offset))));
    }
    if (rule.where !== undefined) {
      let vetted = conditions.get(rule.where);
      if (!vetted) conditions.set(rule.where, vetted = vetCondition(db, rule.where));
      const r = await vetted;
      findings.push(...r.findings.map((f) => locate(rule, 'where clause', f, rule.at?.where, f.offset)));
      if (r.vetted && ctx.knownColumns) findings.push(...unknownColumns(r.vetted, ctx.knownColumns).map((f) => locate(rule, 'where clause', f, rule.at?.where, f.offset)));
    }
    if (rule.type !== 'CustomSql' && rule.where === undefined) continue;
    out.findings.push(...findings);
    out.set(rule, findings.length
      ? { ok: false, reason: `the rule's SQL is refused: ${findings.map((f) => `${f.what}: ${f.message}`).join('; ')}` }
      : { ok: true, references });
  }
  return out;
}

/** A finding for each column the condition names that the batch does not have (DuckDB matches names case-insensitively). */
function unknownColumns(vetted: Parameters<typeof conditionColumns>[0], known: readonly string[]): SqlFinding[] {
  const have = new Set(known.map((c) => c.toLowerCase()));
  return conditionColumns(vetted).filter((c) => !have.has(c.name.toLowerCase())).map((c) => {
    const guess = closest(c.name, known);
    return { offset: c.offset, message: `"${c.name}" is not a column of the batch (its columns: ${known.join(', ')})`, fix: guess ? `did you mean "${guess}"?` : 'name a column of the batch' };
  });
}

/** The finding, with where it is in the rule's source string: the rule's text holds the quoted SQL as written. */
function locate(rule: LeafRule, what: RuleSqlFinding['what'], f: SqlFinding, quoteAt: number | undefined, offset: number): RuleSqlFinding {
  const start = rule.at?.rule;
  if (quoteAt === undefined || start === undefined) return { ...f, rule, what };
  return { ...f, rule, what, sourceOffset: start + rawOffset(rule.text, quoteAt - start, offset) };
}

/** vetRules, then compileRules with its verdicts: the SQL an evaluation runs (for tests and tools that show it). */
export async function compileVetted(db: SqlSession, rules: readonly Rule[], ctx: RuleContext): Promise<CompiledRuleset> {
  return compileRules(rules, { ...ctx, sql: await vetRules(db, rules, ctx) });
}
