// A quality halt holds the batch back; its rows must stay traceable in quarantine as every other quarantined row is:
// record number, line, the source record as raw, and for each row-level halt rule it fails (ColumnValues,
// ColumnLength, DataFreshness, row-level CustomSql) a reason naming the rule. The staged silver files hold none of
// that (they are exactly what a commit would publish), so the halt reads the bronze object again in hold mode
// (validateFile: the rows that would reach silver, with __record, __line, __raw), then runs the failing rules' row
// queries over those rows in a database locked for user SQL, written as (id, k, value) to fails.parquet.
import { leaves, type LeafRule } from '../../core/dqdl/ast.ts';
import { failingRowsSql } from '../../core/dqdl/compile.ts';
import { parseRules } from '../../core/dqdl/parse.ts';
import { vetRules } from '../../core/dqdl/sandbox.ts';
import { readColumns } from '../../core/plan/glue-table.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { stepSizing } from '../../core/plan/sizing.ts';
import { str } from '../../core/sql/quote.ts';
import { pathLit, statementBudgetMs, withDuck, withUserSqlDuck } from '../engine/duckdb.ts';
import { createView } from '../engine/views.ts';
import { priorKeysOf } from '../ingest/prior-keys.ts';
import { PARQUET_CODEC, validatedBytes, validateFile } from '../ingest/validate-file.ts';
import type { RecordedGate } from '../quality/evaluate-gate.ts';
import { readManifest } from '../table/store.ts';
import type { PipelineContext } from './context.ts';
import { createReferenceViews, referenceFiles } from './reference-files.ts';
import type { StageManifest } from './stage.ts';

export interface HeldRows {
  /** Storage key of the held rows: __record, __line, __raw, then the silver columns. */
  heldKey: string;
  /** Storage key of (id = __record, k, value) for every held row failing halt rule k; absent when none could be named. */
  failsKey?: string;
  /** The row-level halt rules that failed, by k. */
  rules: Array<{ k: number; rule: string; column: string | null }>;
}

/**
 * The halted batch's rows that would have reached silver, read again from the bronze object, with the rules each
 * fails. undefined when the object no longer reads into the batch that was staged (its counts differ, e.g. an append
 * whose silver keys changed meanwhile): the halt then quarantines the staged rows without their positions.
 */
export async function holdRows(ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest, quality: RecordedGate, now: string): Promise<HeldRows | undefined> {
  const prefix = `${staged.stagingPrefix}held/`;
  const heldKey = await rereadBatch(ctx, plan, staged);
  if (!heldKey) return undefined;

  // The halt rules that failed and can name their rows (top-level rules only: a leaf of an "or" may fail on a row
  // the rule as a whole passes).
  const failed = new Set(quality.results.filter((r) => r.severity === 'halt' && r.outcome === 'FAIL').map((r) => r.rule));
  const candidates: LeafRule[] = parseRules(plan.quality.silver.halt).rules.filter((r) => failed.has(r.text)).flatMap((r) => (r.kind === 'rule' ? leaves(r) : []));
  if (!candidates.length) return { heldKey, rules: [] };
  const { refFiles } = await referenceFiles(ctx, plan);
  const keys = [heldKey, ...[...refFiles.values()].flat()];
  const failsPrefix = `${prefix}fails/`;
  const named = await ctx.storage.withLocalFiles(keys, (paths) => ctx.storage.writeTree(failsPrefix, (dir) => withUserSqlDuck(async (db) => {
    const pathOf = new Map(keys.map((k, i) => [k, paths[i]!]));
    await createView(db, 'main', '__batch', plan.tables.silver, [paths[0]!], true);
    await db.run(`CREATE VIEW __held AS SELECT * FROM read_parquet(${pathLit(paths[0]!)})`);
    const reference = await createReferenceViews(db, ctx, plan, refFiles, (k) => pathOf.get(k)!);
    await db.lockdown({ readable: paths, writable: [dir], timeoutMs: statementBudgetMs(ctx.duck, stepSizing(plan, 'quality').timeoutSeconds), memoryMb: stepSizing(plan, 'quality').memoryMb });
    const ruleCtx = {
      dialect: 'duckdb' as const, batch: '__batch', columns: readColumns(plan.tables.silver), now,
      reference,
    };
    const sql = await vetRules(db, candidates, ruleCtx);
    const rules = candidates.flatMap((leaf) => {
      const f = failingRowsSql(leaf, { ...ruleCtx, sql }, '__held', '__record');
      return f ? [{ rule: leaf.text, column: f.column, sql: f.sql }] : [];
    }).map((r, k) => ({ ...r, k }));
    if (!rules.length) return [];
    try {
      await db.own(`COPY (${rules.map((r) => `SELECT id, ${r.k} AS k, value FROM (${r.sql})`).join(' UNION ALL ')}) TO ${pathLit(`${dir}/fails.parquet`)} (FORMAT parquet, ${PARQUET_CODEC})`, 'COPY');
    } catch {
      return []; // a rule whose row query fails names no rows; the gate has reported the rule itself
    }
    return rules.map(({ k, rule, column }) => ({ k, rule, column }));
  }, ctx.duck)));
  const rules = named.result;
  return rules.length ? { heldKey, failsKey: `${failsPrefix}fails.parquet`, rules } : { heldKey, rules: [] };
}

/**
 * The storage key of the staged batch's rows read again from the bronze object with their positions and source
 * records (validateFile in hold mode: __record, __line, __raw, then the silver columns), for a batch that goes to
 * quarantine whole (a quality halt, a rejected file). undefined when the object no longer reads into the batch that
 * was staged (its counts differ, e.g. an append whose silver keys changed meanwhile, or a file that does not fit the
 * schema): the caller then quarantines the staged rows without their positions.
 */
export async function rereadBatch(ctx: PipelineContext, plan: DatasetPlan, staged: StageManifest): Promise<string | undefined> {
  const prefix = `${staged.stagingPrefix}held/`;
  const { manifest } = await readManifest(ctx.storage, plan.prefixes.silver, plan);
  const priorKeys = priorKeysOf(plan, manifest, (keys, fn) => ctx.storage.withLocalFiles(keys, fn));
  const { versionId, etag, contentId } = staged.source;
  const held = await ctx.storage.withSourceFile(staged.source.key, { ...(versionId ? { versionId } : {}), ...(etag ? { etag } : {}), ...(contentId ? { contentId } : {}) }, (file) =>
    ctx.storage.writeTree(prefix, (dir) => withDuck((db) => validateFile({
      db, plan, path: file.path, key: staged.source.key, runId: staged.runId, now: staged.now, outDir: dir, hold: true, ...(priorKeys ? { priorKeys } : {}),
    }), ctx.duck), { list: false, bytes: validatedBytes }));
  const v = held.result;
  if (!v.heldFile || v.rowsIn !== staged.rowsIn || v.rowsValid !== staged.rowsValid || v.rowsSuperseded !== staged.rowsSuperseded) return undefined;
  return `${prefix}${v.heldFile}`;
}

/**
 * SQL over the held rows (`held`: a read_parquet of heldKey, `fails`: of failsKey or undefined) giving each row its
 * record, line, raw and reasons: the batch's reason first, then one per failing row-level rule, in rule order.
 */
export function heldRowsSql(h: HeldRows, held: string, fails: string | undefined, batchReason: string, meta: string, at: string): string {
  if (!fails || !h.rules.length) {
    return `SELECT ${meta}, __record AS record, __line AS line, __raw AS raw, [${batchReason}] AS reasons, ${at} FROM ${held}`;
  }
  const rules = `(VALUES ${h.rules.map((r) => `(${r.k}, ${r.column === null ? 'NULL::VARCHAR' : str(r.column)}, ${str(r.rule)})`).join(', ')})`;
  return `SELECT ${meta}, h.__record AS record, h.__line AS line, h.__raw AS raw, list_concat([${batchReason}], coalesce(f.reasons, [])) AS reasons, ${at}
    FROM ${held} h LEFT JOIN (
      SELECT id, list({'column': r."column", 'rule': r.rule, 'value': x.value, 'message': 'the row fails the halt rule ' || r.rule} ORDER BY x.k) AS reasons
      FROM ${fails} x JOIN ${rules} AS r(k, "column", rule) ON r.k = x.k GROUP BY id
    ) f ON f.id = h.__record`;
}
