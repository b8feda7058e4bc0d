// Evaluate rules against a batch: vet the rules' own SQL, compile, run each statement, interpret the rows.
// `evaluateWith` takes any runner (DuckDB here; the Athena client in the pipeline), so both engines share the vetting,
// the fallback below and the interpretation. A rule that cannot run is an ERROR outcome with the reason; nothing here
// throws for bad rules. A rule whose SQL the vetting refuses is an ERROR before anything runs, whatever `strata check`
// said (core/dqdl/sandbox.ts), and engine errors lose the values they quote (core/sql/engine-message.ts).
import type { Duck } from '../engine/duckdb.ts';
import { ExactNumber, type ExactValue } from '../engine/exact-values.ts';
import { leaves, type Rule } from '../../core/dqdl/ast.ts';
import { compileRules } from '../../core/dqdl/compile.ts';
import { Binary32 } from '../../core/dqdl/exact.ts';
import { combine, leafOutcomes, score } from '../../core/dqdl/interpret.ts';
import { RuleSqlVerdicts, vetRules } from '../../core/dqdl/sandbox.ts';
import type { EvaluationResult, QueryOutput, RuleContext } from '../../core/dqdl/types.ts';
import { withBinder, type SqlSession } from '../../core/sql/binder.ts';
import { userSqlMessage } from '../../core/sql/engine-message.ts';

export type { CompiledQuery, CompiledRuleset, Dialect, EvaluationResult, Outcome, RuleContext, RuleResult } from '../../core/dqdl/types.ts';
export { compileRules, checkRules } from '../../core/dqdl/compile.ts';
export { interpretResults } from '../../core/dqdl/interpret.ts';

/** Runs one SQL statement and returns its rows (column name → value). */
export type QueryRunner = (sql: string) => Promise<Array<Record<string, unknown>>>;

export interface EvaluateOptions {
  /** Run the compiled statements concurrently (Athena: each query has seconds of latency). DuckDB: leave off. */
  parallel?: boolean;
  /** A DuckDB session whose parser vets the rules' SQL (the session holding the batch will do); default: a binder. */
  parser?: SqlSession;
}

export async function evaluateRules(db: Duck, rules: readonly Rule[], ctx: RuleContext): Promise<EvaluationResult> {
  return evaluateWith(duckRuleRunner(db), rules, ctx, { parser: db });
}

/**
 * DuckDB's rows for the rules' statements with every integer and decimal as its exact decimal text (Duck.metrics), as
 * Athena gives those cells: a metric a double cannot hold (a sum beyond 2^53, a DECIMAL(38, s) or HUGEINT CustomSql
 * value) is then compared exactly (core/dqdl/exact.ts). A DOUBLE stays the number it is, compared as doubles (as
 * Athena's runner gives it), and a FLOAT a Binary32, compared as SQL compares a FLOAT (core/dqdl/exact.ts); the interpreter reads the rest as numbers (toNumber), the same ones.
 */
export function duckRuleRunner(db: Duck): QueryRunner {
  const plainText = (v: ExactValue | number | Binary32 | Record<string, ExactValue | number | Binary32>): unknown => (v instanceof ExactNumber ? v.text
    : v instanceof Binary32 ? v
    : Array.isArray(v) ? v.map(plainText)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainText(x as ExactValue)])) : v);
  return async (sql) => (await db.metrics(sql)).map((row) => plainText(row) as Record<string, unknown>);
}

/** Verdicts on the rules' SQL; no parser is opened when no rule has SQL of its own. */
async function vet(rules: readonly Rule[], ctx: RuleContext, parser: SqlSession | undefined): Promise<RuleSqlVerdicts> {
  if (!rules.flatMap(leaves).some((l) => l.type === 'CustomSql' || l.where !== undefined)) return new RuleSqlVerdicts();
  return parser ? vetRules(parser, rules, ctx) : withBinder((db) => vetRules(db, rules, ctx));
}

export async function evaluateWith(run: QueryRunner, rules: readonly Rule[], ctx: RuleContext, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  let queries = 0;
  const exec = async (sql: string): Promise<QueryOutput> => {
    queries++;
    try {
      return await run(sql);
    } catch (e) {
      return { error: userSqlMessage(e, sql) };
    }
  };
  ctx = { ...ctx, sql: await vet(rules, ctx, options.parser) };
  const compiled = compileRules(rules, ctx);
  const runAll = async (sqls: string[]): Promise<QueryOutput[]> => {
    if (options.parallel) return Promise.all(sqls.map(exec));
    const out: QueryOutput[] = [];
    for (const sql of sqls) out.push(await exec(sql));
    return out;
  };
  const outputs = await runAll(compiled.queries.map((q) => q.sql));
  const outcomes = leafOutcomes(compiled, outputs);

  // A failed shared statement (a bad where clause, an invalid regex, a type error in one rule) would turn every rule
  // reading it into an ERROR. Evaluate those rules one by one so that only the culprit is an ERROR. This costs extra
  // scans only when something is wrong.
  const suspects = new Set<number>();
  compiled.queries.forEach((q, i) => {
    if (!Array.isArray(outputs[i]) && (q.kind === 'scan' || q.kind === 'frequency') && q.leaves.length > 1) q.leaves.forEach((id) => suspects.add(id));
  });
  if (suspects.size) {
    // If the batch itself cannot be read, every rule would fail alike: say so once instead of once per rule.
    const probe = await exec(`SELECT * FROM ${ctx.batch} LIMIT 0`);
    const byId = rules.flatMap(leaves);
    for (const id of [...suspects].sort((a, b) => a - b)) {
      if (!Array.isArray(probe)) {
        outcomes.set(id, { outcome: 'ERROR', metrics: {}, message: `the batch ${ctx.batch} cannot be read: ${probe.error}` });
        continue;
      }
      const alone = compileRules([byId[id]!], ctx);
      outcomes.set(id, leafOutcomes(alone, await runAll(alone.queries.map((q) => q.sql))).get(0)!);
    }
  }
  const results = compiled.rules.map((r) => combine(r, outcomes));
  return { results, score: score(results), queries };
}
