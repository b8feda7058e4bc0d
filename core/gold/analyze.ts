// Gold tables of a project, analysed: what each reads, its output columns and their Athena-safe types, the
// dependency order, portability problems, and — for incremental refresh — how a run's silver partitions map to the
// gold partitions to recompute. DuckDB parses and binds the SQL against empty views of the silver schemas: no data
// is read, nothing is written.
import { bindingCandidates, engineMessage } from '../errors.ts';
import type { DatasetPlan } from '../plan/compile.ts';
import { hashOf } from '../plan/compile.ts';
import { tableInput, type GlueTableInput } from '../plan/glue-table.ts';
import { layout } from '../plan/layout.ts';
import type { AppliedSchema } from '../schema/evolution.ts';
import type { GoldSpec } from '../schema/model.ts';
import { closest } from '../schema/diagnostics.ts';
import type { TableShape } from '../plan/table-shape.ts';
import { withBinder, type SqlSession } from '../sql/binder.ts';
import { ident, str } from '../sql/quote.ts';
import { sameTree, vetQuery, type RelationPolicy, type SqlFinding } from '../sql/sandbox.ts';
import { AGGREGATE_FUNCTIONS } from '../sql/functions.ts';
import { columnRefs, parseSql, selectItems, tableRefs, toSql, walk, type Node, type TableRef } from './ast.ts';
import { kindOfDuckType, portabilityFindings, type Finding, type Kind } from './portability.ts';

export interface GoldColumn {
  name: string;
  /** Type DuckDB computes for the SQL. */
  computedType: string;
  /** Type written to Parquet (and read locally). */
  duckdbType: string;
  glueType: string;
}

export interface Incremental {
  /** The silver dataset whose partitions drive the refresh. */
  driver: string;
  /** The gold partition value of a driver partition: SQL over one column "__rep" (a representative value). */
  partitionExpr: string;
  /** What "__rep" stands for: the partition's source column at the start of its interval, or the partition value. */
  rep: { kind: 'source'; column: string; type: string; transform: string } | { kind: 'partition'; name: string; type: string };
  /**
   * The driver's partition key (its name in the driver's partitionBy) whose value __rep comes from: any of its keys,
   * not only the first (a gold table by status over silver partitioned by day and status).
   */
  partition: string;
}

export interface GoldPlan {
  table: string;
  owner: string;
  description?: string;
  sql: string;
  partitionBy: string[];
  refresh: 'incremental' | 'full';
  engine: 'duckdb' | 'athena';
  quality: GoldSpec['quality'];
  reads: { silver: string[]; gold: string[] };
  columns: GoldColumn[];
  partitionColumns: GoldColumn[];
  incremental?: Incremental;
  schemaHash: string;
  applied: AppliedSchema;
  glue: GlueTableInput;
  prefix: string;
}

/** The table shape a gold table's manifest is read and committed with. */
export function goldShape(plan: GoldPlan): TableShape {
  return { table: plan.table, layer: 'gold', schemaHash: plan.schemaHash, partitionKeys: plan.partitionBy };
}

export interface GoldIssue {
  owner: string;
  index: number;
  table: string;
  /** Character offset in the SQL, when the problem has a place. */
  offset?: number;
  field: 'sql' | 'partitionBy' | 'refresh' | 'table';
  message: string;
  fix?: string;
  /** The problem is that this dataset's silver table has no partitions (check.ts: not said again when its partitionBy has errors of its own). */
  unpartitioned?: string;
}

export interface GoldAnalysis {
  plans: GoldPlan[];
  /** Gold tables in dependency order (a table after everything it reads). */
  order: string[];
  issues: GoldIssue[];
}

const STORAGE: Record<string, [string, string]> = {
  BOOLEAN: ['BOOLEAN', 'boolean'], TINYINT: ['INTEGER', 'int'], SMALLINT: ['INTEGER', 'int'], INTEGER: ['INTEGER', 'int'],
  BIGINT: ['BIGINT', 'bigint'], HUGEINT: ['BIGINT', 'bigint'], UTINYINT: ['INTEGER', 'int'], USMALLINT: ['INTEGER', 'int'],
  UINTEGER: ['BIGINT', 'bigint'], UBIGINT: ['DECIMAL(20,0)', 'decimal(20,0)'], FLOAT: ['FLOAT', 'float'], DOUBLE: ['DOUBLE', 'double'],
  VARCHAR: ['VARCHAR', 'string'], DATE: ['DATE', 'date'], TIMESTAMP: ['TIMESTAMP_MS', 'timestamp'], TIMESTAMP_MS: ['TIMESTAMP_MS', 'timestamp'],
  'TIMESTAMP WITH TIME ZONE': ['TIMESTAMP_MS', 'timestamp'], TIMESTAMP_S: ['TIMESTAMP_MS', 'timestamp'],
};

/**
 * Storage type of a computed column: what Athena reads back exactly. DuckDB's sum() of integers is a HUGEINT where
 * Trino's is a bigint; both become bigint (an overflow is an error on both engines, never a silent double).
 */
export function storageType(t: string): { duckdbType: string; glueType: string } | undefined {
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  if (dec) return { duckdbType: t, glueType: `decimal(${dec[1]},${dec[2]})` };
  const s = STORAGE[t];
  return s ? { duckdbType: s[0], glueType: s[1] } : undefined;
}

/** What gold SQL may read: tables of the silver and gold layers (which of them exist is checked apart). */
const goldRelations: RelationPolicy = ({ catalog, schema, table }) => (!catalog && ['silver', 'gold'].includes(schema.toLowerCase())
  ? undefined
  : { message: `table ${[catalog, schema, table].filter(Boolean).join('.')} is not silver.<dataset> or gold.<table>`, fix: `write silver.${table} or gold.${table}` });

/**
 * The vetting analyzeGold made (core/sql/sandbox.ts), made again where the SQL is about to run: one SELECT, allowed
 * functions, and no table but those the plan says it reads. Empty when the SQL may run.
 */
export async function vetGoldPlan(db: SqlSession, plan: GoldPlan): Promise<SqlFinding[]> {
  const reads = new Set([...plan.reads.silver.map((t) => `silver.${t}`), ...plan.reads.gold.map((t) => `gold.${t}`)]);
  return (await vetQuery(db, plan.sql, (ref) => goldRelations(ref) ?? (reads.has(`${ref.schema.toLowerCase()}.${ref.table}`)
    ? undefined : { message: `table ${ref.schema}.${ref.table} is not one the plan reads`, fix: 'run strata check' }))).findings;
}

export async function analyzeGold(plans: readonly DatasetPlan[]): Promise<GoldAnalysis> {
  return withBinder((db) => analyzeWith(db, plans));
}

interface Entry { owner: string; index: number; spec: GoldSpec }

async function analyzeWith(db: SqlSession, datasets: readonly DatasetPlan[]): Promise<GoldAnalysis> {
  const issues: GoldIssue[] = [];
  const entries: Entry[] = datasets.flatMap((d) => d.gold.map((spec, index) => ({ owner: d.dataset, index, spec })));
  const byDataset = new Map(datasets.map((d) => [d.dataset, d]));
  await db.run('CREATE SCHEMA silver; CREATE SCHEMA gold');
  // A dataset defined by two schema files is the project's error (core/project.ts names both files): its first
  // definition stands in for it here, so that the analysis still says what else is wrong.
  const first = datasets.filter((d, i) => datasets.findIndex((x) => x.dataset === d.dataset) === i);
  for (const d of first) {
    const cols = [...d.columns.map((c) => `CAST(NULL AS ${c.readType}) AS ${ident(c.name)}`), ...d.partitions.map((p) => `CAST(NULL AS ${p.duckdbType}) AS ${ident(p.name)}`)];
    await db.run(`CREATE VIEW silver.${ident(d.dataset)} AS SELECT ${cols.join(', ')} WHERE false`);
  }

  // Parse everything first: references give the dependency order.
  const parsed = new Map<string, { entry: Entry; select: Node }>();
  const deps = new Map<string, string[]>();
  for (const e of entries) {
    const issue = (message: string, fix?: string, offset?: number, field: GoldIssue['field'] = 'sql') =>
      issues.push({ owner: e.owner, index: e.index, table: e.spec.table, field, message, ...(fix ? { fix } : {}), ...(offset !== undefined ? { offset } : {}) });
    // User SQL: vetted before anything else (one SELECT, allowed functions, silver and gold tables only); a table
    // that fails it gets no plan, so it never runs.
    const v = await vetQuery(db, e.spec.sql, goldRelations);
    if (!v.vetted) { for (const f of v.findings) issue(f.message.replace(/^it /, 'the SQL '), f.fix, f.offset); continue; }
    const p = v.vetted;
    const refs = tableRefs(p.select);
    let ok = true;
    const gold: string[] = [];
    for (const r of refs) {
      if (r.schema.toLowerCase() === 'silver') {
        if (!byDataset.has(r.table)) { issue(`unknown table silver.${r.table}`, `read one of ${[...byDataset.keys()].map((k) => `silver.${k}`).join(', ')}`, r.offset); ok = false; }
      } else if (!entries.some((x) => x.spec.table === r.table)) {
        issue(`unknown table gold.${r.table}`, 'define it under gold: in a schema file, or read silver', r.offset); ok = false;
      } else gold.push(r.table);
    }
    if (!refs.some((r) => r.schema.toLowerCase() === 'silver' || r.schema.toLowerCase() === 'gold')) {
      if (ok) issue('the SQL reads no silver or gold table', 'select FROM silver.<dataset>');
      ok = false;
    }
    if (!ok) continue;
    parsed.set(e.spec.table, { entry: e, select: p.select });
    deps.set(e.spec.table, [...new Set(gold)]);
  }

  // Dependency order; a cycle is an error on every table in it.
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string, path: string[]): boolean => {
    if (state.get(t) === 'done') return true;
    if (state.get(t) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(t)), t];
      const e = parsed.get(t)!.entry;
      issues.push({ owner: e.owner, index: e.index, table: t, field: 'sql', message: `gold tables read each other in a cycle: ${cycle.join(' → ')}`, fix: 'break the cycle: a gold table reads silver or gold tables computed before it' });
      return false;
    }
    state.set(t, 'visiting');
    const ok = (deps.get(t) ?? []).filter((d) => parsed.has(d)).every((d) => visit(d, [...path, t]));
    state.set(t, 'done');
    if (ok) order.push(t);
    return ok;
  };
  for (const t of parsed.keys()) visit(t, []);

  const plans: GoldPlan[] = [];
  const planned = new Set<string>();
  for (const table of order) {
    const { entry: e, select } = parsed.get(table)!;
    const issue = (message: string, fix?: string, offset?: number, field: GoldIssue['field'] = 'sql') =>
      issues.push({ owner: e.owner, index: e.index, table, field, message, ...(fix ? { fix } : {}), ...(offset !== undefined ? { offset } : {}) });
    // A gold table it reads has errors of its own (said for that table): binding against it said the table did not
    // exist, though it does (newcomer's trial, stop 50).
    const broken = (deps.get(table) ?? []).filter((d) => !planned.has(d));
    if (broken.length) {
      issue(`it reads ${broken.map((d) => `gold.${d}`).join(', ')}, which ${broken.length === 1 ? 'has' : 'have'} errors of ${broken.length === 1 ? 'its' : 'their'} own (said for ${broken.length === 1 ? 'it' : 'them'}): this table is checked once ${broken.length === 1 ? 'it is' : 'they are'} fixed`, `fix gold.${broken[0]} first`);
      continue;
    }
    let described: Array<{ name: string; type: string }>;
    try {
      described = await db.columns(e.spec.sql);
    } catch (err) {
      const msg = engineMessage(err);
      const line = /LINE (\d+):/.exec(String(err))?.[1];
      // DuckDB's closest names, as strata names them everywhere else (newcomer's trial, stop 52: SUM(amout) got none).
      const offered = bindingCandidates(err);
      const near = offered && closest(offered.name, offered.candidates);
      issue(`the SQL does not bind: ${msg}`, near ? `did you mean "${near}"?` : 'fix the table or column name', line ? offsetOfLine(e.spec.sql, Number(line)) : undefined);
      continue;
    }
    const refs = tableRefs(select);
    const aliasTable = new Map(refs.map((r) => [r.alias.toLowerCase(), r]));
    const scope = {
      column: (q: string, name: string): Kind | undefined => {
        const candidates = q ? [aliasTable.get(q.toLowerCase())].filter(Boolean) : refs;
        for (const r of candidates) {
          const t = columnTypeOf(db, byDataset, plans, r!, name);
          if (t) return kindOfDuckType(t);
        }
        return undefined;
      },
    };
    for (const f of portabilityFindings(select, e.spec.sql, scope)) issue(f.message, f.fix, f.offset);

    const columns: GoldColumn[] = [];
    let typesOk = true;
    for (const c of described) {
      const st = storageType(c.type);
      if (!st) { issue(`column ${c.name} has type ${c.type}, which Athena cannot read from Parquet`, `CAST it, e.g. CAST(x AS VARCHAR) AS ${c.name}`); typesOk = false; continue; }
      if (!/^[a-z][a-z0-9_]*$/.test(c.name)) { issue(`output column "${c.name}" is not lower_snake_case (Athena lowercases names)`, `alias it: AS ${c.name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^([^a-z])/, 'c_$1')}`); typesOk = false; }
      columns.push({ name: c.name, computedType: c.type, ...st });
    }
    if (new Set(described.map((c) => c.name)).size !== described.length) { issue('two output columns have the same name', 'alias them apart'); typesOk = false; }
    const partitionColumns: GoldColumn[] = [];
    for (const p of e.spec.partitionBy) {
      const c = columns.find((x) => x.name === p);
      if (!c) { issue(`partition column "${p}" is not an output column`, `add it to the SELECT list, or use one of ${columns.map((x) => x.name).join(', ')}`, undefined, 'partitionBy'); typesOk = false; continue; }
      if (['double', 'float'].includes(c.glueType) || c.glueType.startsWith('decimal') || c.glueType === 'timestamp') {
        issue(`partition column "${p}" is a ${c.glueType}: one folder per value`, 'partition by a date, an integer or a string (e.g. CAST(ts AS DATE) AS day)', undefined, 'partitionBy'); typesOk = false;
      }
      partitionColumns.push(c);
    }
    if (!typesOk) continue;

    const silverReads = [...new Set(refs.filter((r) => r.schema.toLowerCase() === 'silver').map((r) => r.table))];
    const goldReads = [...new Set(refs.filter((r) => r.schema.toLowerCase() === 'gold').map((r) => r.table))];
    let incremental: Incremental | undefined;
    if (e.spec.refresh === 'incremental') {
      const derived = await deriveIncremental(db, e.spec, select, refs, byDataset);
      if ('reason' in derived) {
        issue(`refresh: incremental needs gold partitions that follow from silver partitions, but ${derived.reason}`, derived.fix, derived.offset, 'refresh');
        if (derived.unpartitioned) issues.at(-1)!.unpartitioned = derived.unpartitioned;
        continue;
      }
      incremental = derived;
    }
    const storedCols = columns.filter((c) => !e.spec.partitionBy.includes(c.name));
    // The SQL is part of the table's definition: a changed SQL with the same columns (a filter added) must rewrite
    // every partition too (runtime/gold/refresh.ts refreshScope), or the partitions no run touches keep the old rows.
    // So are the schemas of the tables it reads: a column added to one of them can change what a name in the SQL
    // binds to (an unqualified name in a subquery), so the partitions no run touches would keep the old meaning (an
    // attack, stop 45).
    const inputs = [...new Set(refs.map((r) => (r.schema.toLowerCase() === 'silver' ? `silver.${r.table}=${byDataset.get(r.table)?.schemaHash ?? ''}`
      : `gold.${r.table}=${plans.find((x) => x.table === r.table)?.schemaHash ?? ''}`)))].sort();
    const schemaHash = hashOf({ columns: columns.map((c) => [c.name, c.glueType]), partitionBy: e.spec.partitionBy, sql: e.spec.sql.trim(), inputs });
    const glue = tableInput({
      name: table,
      ...(e.spec.description ? { description: e.spec.description } : {}),
      ...(byDataset.get(e.owner)?.owner ? { owner: byDataset.get(e.owner)!.owner! } : {}),
      columns: storedCols.map((c) => ({ Name: c.name, Type: c.glueType })),
      partitionKeys: partitionColumns.map((c) => ({ Name: c.name, Type: c.glueType })),
      location: layout.gold(table),
      parameters: {
        'strata.layer': 'gold', 'strata.table': table, 'strata.owner_dataset': e.owner, 'strata.schema_hash': schemaHash,
        'strata.sql_hash': hashOf(e.spec.sql), 'strata.refresh': e.spec.refresh,
      },
    });
    const plan: GoldPlan = {
      table, owner: e.owner, ...(e.spec.description ? { description: e.spec.description } : {}), sql: e.spec.sql,
      partitionBy: e.spec.partitionBy, refresh: e.spec.refresh, engine: e.spec.engine, quality: e.spec.quality,
      reads: { silver: silverReads, gold: goldReads }, columns, partitionColumns,
      ...(incremental ? { incremental } : {}), schemaHash, glue, prefix: layout.gold(table),
      applied: { hash: schemaHash, columns: storedCols.map((c) => ({ name: c.name, type: c.glueType })), partitionKeys: partitionColumns.map((c) => ({ name: c.name, type: c.glueType })) },
    };
    plans.push(plan);
    planned.add(table);
    // Later gold tables may read this one.
    await db.run(`CREATE VIEW gold.${ident(table)} AS SELECT ${columns.map((c) => `CAST(NULL AS ${readType(c.duckdbType)}) AS ${ident(c.name)}`).join(', ')} WHERE false`);
  }
  return { plans, order: plans.map((p) => p.table), issues };
}

export function readType(storage: string): string {
  return storage === 'TIMESTAMP_MS' ? 'TIMESTAMP' : storage;
}

function columnTypeOf(_db: SqlSession, byDataset: Map<string, DatasetPlan>, gold: GoldPlan[], r: { schema: string; table: string }, name: string): string | undefined {
  if (r.schema.toLowerCase() === 'silver') {
    const d = byDataset.get(r.table);
    return d?.columns.find((c) => c.name === name)?.readType ?? d?.partitions.find((p) => p.name === name)?.duckdbType;
  }
  return gold.find((g) => g.table === r.table)?.columns.find((c) => c.name === name)?.duckdbType;
}

function offsetOfLine(sql: string, line: number): number {
  let off = 0;
  for (let i = 1; i < line; i++) off = sql.indexOf('\n', off) + 1;
  return off;
}

/** Representative timestamps for the constancy check: interval edges, month and year ends, a leap day. */
const SAMPLES = [
  '2019-12-31 23:59:59.999', '2020-01-01 00:00:00', '2020-02-28 12:00:00', '2020-02-29 23:59:59', '2020-03-01 00:00:00.001',
  '2021-06-15 00:00:00', '2021-06-15 11:30:00', '2021-06-15 23:59:59.999', '2023-10-29 01:30:00', '2024-12-31 23:00:00',
  '2025-01-01 00:59:59', '2025-06-30 23:59:59', '2025-07-01 00:00:00', '2026-03-29 02:30:00',
];

const TRUNC: Record<string, string> = { day: 'day', hour: 'hour', month: 'month', year: 'year' };

async function deriveIncremental(
  db: SqlSession, spec: GoldSpec, select: Node, refs: ReturnType<typeof tableRefs>, byDataset: Map<string, DatasetPlan>,
): Promise<Incremental | { reason: string; fix: string; offset?: number; unpartitioned?: string }> {
  // The example names a partition of a silver table the SQL reads, not the README's created_at (newcomer's trial, stop 46).
  const silverPart = refs.filter((r) => r.schema.toLowerCase() === 'silver').map((r) => byDataset.get(r.table)?.partitions[0]).find((p) => p !== undefined);
  const example = !silverPart ? 'CAST(created_at AS DATE) AS day'
    : silverPart.transform === 'day' ? `CAST(${silverPart.column} AS DATE) AS day`
    : silverPart.transform === 'month' ? `CAST(date_trunc('month', ${silverPart.column}) AS DATE) AS month`
    : silverPart.transform === 'year' ? `year(${silverPart.column}) AS year`
    : silverPart.transform === 'hour' ? `date_trunc('hour', ${silverPart.column}) AS hour`
    : `${silverPart.column}`;
  const fix = `set refresh: full, or partition the gold table by an expression of the partition column of the silver table it aggregates (e.g. ${example})`;
  if (spec.partitionBy.length !== 1) {
    return { reason: spec.partitionBy.length ? 'only one partition column can be derived' : 'the table has no partitionBy', fix };
  }
  const part = spec.partitionBy[0]!;
  const item = selectItems(select).find((i) => i.name === part);
  if (!item) return { reason: `"${part}" is not a named item of the SELECT list`, fix };
  const cols = columnRefs(item.expr);
  const silverRefs = refs.filter((r) => r.schema.toLowerCase() === 'silver');
  // Each column of the partition item is owned by a relation of the SELECT's own FROM (not one inside a CTE or a
  // subquery, whose names it cannot see), which must reach a silver table through filter-only CTEs or subqueries
  // over that table alone. A qualified name names that relation; a bare one is owned only when every relation of the
  // FROM is such a silver table and exactly one has the column (a VALUES list, a gold table or a lateral subquery
  // may have it too, and the USING column of a join is the left side's: four attacks, stop 45).
  const scope = fromScope(select);
  const owners = new Set(cols.map(([q, c]) => {
    const candidates = q ? scope.relations.filter((r) => r.name === q.toLowerCase()).map((r) => r.silver)
      : scope.silverOnly ? scope.relations.map((r) => r.silver).filter((t) => hasColumn(byDataset.get(t ?? ''), c)) : [undefined];
    return candidates.length === 1 && candidates[0] ? candidates[0] : '?';
  }));
  const silverColumns = new Set(silverRefs.flatMap((r) => { const x = byDataset.get(r.table); return x ? [...x.columns.map((c) => c.name), ...x.partitions.map((q) => q.name)] : []; }));
  if (cols.length === 0 || owners.size !== 1 || owners.has('?')) {
    // Where the driver is read in a way that is no incremental source anyway (a CTE that aggregates it, a set
    // operation), that is the reason given, found from the silver table the names would mean at any depth.
    const loose = new Set(cols.map(([q, c]) => {
      const candidates = q ? silverRefs.filter((r) => r.alias.toLowerCase() === q.toLowerCase()) : silverRefs.filter((r) => hasColumn(byDataset.get(r.table), c));
      return candidates.length === 1 ? candidates[0]! : undefined;
    }));
    const [guess] = loose;
    const why = loose.size === 1 && guess ? partitionLocal(select, refs, guess, item.expr, silverColumns) : undefined;
    if (why) return { reason: why.reason, fix: 'set refresh: full', offset: why.offset ?? item.expr.query_location };
    if (!scope.silverOnly && cols.some(([q]) => !q) && loose.size === 1 && guess) {
      return { reason: `"${part}" names a column without its table while the FROM also reads what is not a silver table (a gold table, VALUES, a subquery)`, fix: `qualify it with the alias of silver.${guess.table}, or set refresh: full`, offset: item.expr.query_location };
    }
    return { reason: `"${part}" must be computed from columns of one silver table`, fix, offset: item.expr.query_location };
  }
  if (scope.natural || cols.some(([, c]) => scope.using.has(c.toLowerCase()))) {
    return { reason: `"${part}" is computed from a column a NATURAL join or a join USING it merges, whose value is one side's`, fix: 'join ON the columns, and qualify the column with the silver table\'s alias', offset: item.expr.query_location };
  }
  const table = [...owners][0]!;
  const ref = silverRefs.find((r) => r.table === table)!;
  const d = byDataset.get(ref.table)!;
  if (!d.partitions.length) return { reason: `silver.${d.dataset} is not partitioned`, fix, offset: item.expr.query_location, unpartitioned: d.dataset };
  const names = new Set(cols.map(([, c]) => c));
  const p = d.partitions.find((x) => names.has(x.name) || names.has(x.column));
  if (!p || names.size !== 1) {
    return { reason: `"${part}" must depend only on ${d.partitions.map((x) => `${x.column} (or ${x.name})`).join(', ')} of silver.${d.dataset}`, fix, offset: item.expr.query_location };
  }
  const source = names.has(p.name) ? { kind: 'partition' as const, name: p.name, type: p.duckdbType } : { kind: 'source' as const, column: p.column, type: d.columns.find((c) => c.name === p.column)!.readType, transform: p.transform };
  const local = partitionLocal(select, refs, ref, item.expr, silverColumns);
  if (local) return { reason: local.reason, fix: 'set refresh: full', offset: local.offset ?? item.expr.query_location };
  // The expression, over one column __rep.
  const expr = JSON.parse(JSON.stringify(item.expr)) as Node;
  walk(expr, (n) => { if (n.class === 'COLUMN_REF') n.column_names = ['__rep']; });
  delete expr.alias;
  const template = await parseSql(db, 'SELECT 1 FROM __t');
  if ('error' in template) throw new Error(template.error);
  template.select.select_list = [expr];
  const full = await toSql(db, template.ast);
  const partitionExpr = full.replace(/^SELECT\s+/i, '').replace(/\s+FROM\s+__t\s*;?\s*$/i, '');
  // Constant within a partition: by its form (constantWithin), and the same value at any sampled instant of the
  // partition's interval as at its start (which checks the forms' meaning on the engine).
  if (!constantWithin(item.expr, source)) {
    return { reason: `"${part}" can differ between rows of one ${p.name} partition (${p.transform} of ${p.column}), so a changed silver partition does not name the gold partitions it feeds`, fix, offset: item.expr.query_location };
  }
  if (source.kind === 'source' && source.transform !== 'identity') {
    const unit = TRUNC[source.transform]!;
    const values = SAMPLES.map((s) => `(CAST(TIMESTAMP '${s}' AS ${source.type}))`).join(', ');
    const check = await db.all<{ n: number }>(`SELECT count(*) AS n FROM (SELECT __rep AS v FROM (VALUES ${values}) s(__rep)) s, `
      + `LATERAL (SELECT (SELECT ${partitionExpr} FROM (SELECT s.v AS __rep)) AS a, (SELECT ${partitionExpr} FROM (SELECT CAST(date_trunc(${str(unit)}, s.v) AS ${source.type}) AS __rep)) AS b) x WHERE a IS DISTINCT FROM b`)
      .catch(() => [{ n: -1 }]);
    if (check[0]!.n !== 0) {
      return { reason: `"${part}" can differ between rows of one ${p.name} partition (${p.transform} of ${p.column}), so a changed silver partition does not name the gold partitions it feeds`, fix, offset: item.expr.query_location };
    }
  }
  return { driver: d.dataset, partitionExpr, rep: source, partition: p.name };
}

/**
 * Why the rows of one gold partition may depend on silver rows outside the silver partitions that map to it, or
 * undefined when they cannot. An incremental refresh recomputes the SQL over the driver's changed partitions only
 * (runtime/gold/refresh.ts, core/gold/athena.ts restrict every read of it), so it equals the full SQL's rows of those
 * gold partitions only when each output row comes from driver rows of its own partition:
 * - the driver is read once, in the top-level FROM or through CTEs and subqueries that only filter it (SELECT * …
 *   WHERE), joined on the preserved side of any outer join: not where a self-join, an aggregate over it or a LIMIT
 *   would see the restricted rows;
 * - every window function and every grouping set is partitioned by the gold partition (ROLLUP's total rows would
 *   span partitions); no LIMIT, SAMPLE (anywhere), DISTINCT ON or set operation; no clock (current_date …);
 * - the partition item is no aggregate (and is constant within a silver partition: constantWithin).
 */
function partitionLocal(select: Node, refs: TableRef[], driver: TableRef, partItem: Node, silverColumns: ReadonlySet<string>): { reason: string; offset?: number } | undefined {
  const name = `silver.${driver.table}`;
  const reads = refs.filter((r) => r.schema.toLowerCase() === 'silver' && r.table === driver.table);
  if (reads.length > 1) return { reason: `${name} is read ${reads.length} times (a self-join or a subquery over it): each read would see only the refreshed partitions`, offset: reads[1]!.offset };
  if (select.type !== 'SELECT_NODE') return { reason: 'the SQL is a set operation (UNION, EXCEPT, INTERSECT)' };
  const cteEntries = (select.cte_map?.map ?? []) as Node[];
  const ctes = new Map<string, Node>(cteEntries.map((e) => [String(e.key).toLowerCase(), e.value?.query?.node as Node]));
  // A CTE over the driver is a read of it each time the query names it: `WITH o AS (SELECT * FROM silver.x)` read in
  // the FROM and again in a scalar subquery or a self-join (its second read saw only the refreshed partitions: an
  // attack, stop 45). CTEs over such CTEs count as reads of it too.
  const overDriver = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const [k, body] of ctes) {
      if (overDriver.has(k)) continue;
      let readsIt = false;
      walk(body, (n) => {
        if (n.type === 'BASE_TABLE' && ((n.schema_name?.toLowerCase() === 'silver' && n.table_name === driver.table) || (!n.schema_name && overDriver.has(String(n.table_name).toLowerCase())))) readsIt = true;
      });
      if (readsIt) { overDriver.add(k); grew = true; }
    }
  }
  const named = new Map<string, number>();
  walk(select, (n) => {
    const k = String(n.table_name ?? '').toLowerCase();
    if (n.type === 'BASE_TABLE' && !n.schema_name && overDriver.has(k)) named.set(k, (named.get(k) ?? 0) + 1);
  });
  const twice = [...named].find(([, count]) => count > 1);
  if (twice) return { reason: `the CTE ${twice[0]} reads ${name} and is read ${twice[1]} times (a self-join or a subquery over it): each read would see only the refreshed partitions` };
  // Columns renamed by position (FROM silver.x AS o(a, b), WITH o(a, b) AS, a subquery's s(a, b)): the names the
  // partition is found by would be other columns' (an attack, stop 45).
  const renames = (t: Node | undefined): boolean => Boolean((t?.column_name_alias as unknown[] | undefined)?.length);
  // The driver as a row source of the top-level FROM, on a side of each join whose rows all reach the output, or
  // through a CTE or subquery that only filters its rows (SELECT * … WHERE, nothing else).
  const place = (t: Node | null | undefined): 'here' | 'nullable' | undefined => {
    if (!t) return undefined;
    if (t.type === 'BASE_TABLE') {
      if (t.schema_name?.toLowerCase() === 'silver' && t.table_name === driver.table) return renames(t) ? undefined : 'here';
      const key = String(t.table_name).toLowerCase();
      const cte = !t.schema_name ? ctes.get(key) : undefined;
      const aliased = cteEntries.find((e) => String(e.key).toLowerCase() === key)?.value?.aliases?.length;
      return cte && filterOnlyOverOne(cte) && !aliased && !renames(t) ? place(cte.from_table) : undefined;
    }
    if (t.type === 'SUBQUERY') return filterOnlyOverOne(t.subquery?.node) && !renames(t) ? place(t.subquery.node.from_table) : undefined;
    if (t.type !== 'JOIN') return undefined;
    const [l, r] = [place(t.left), place(t.right)];
    const regular = ['REGULAR', 'CROSS', 'NATURAL', 'DEPENDENT'].includes(String(t.ref_type ?? 'REGULAR'));
    const preserved = (side: 'left' | 'right') => regular && (t.join_type === 'INNER' || (t.join_type === 'LEFT' && side === 'left')
      || (t.join_type === 'RIGHT' && side === 'right') || (['SEMI', 'ANTI'].includes(t.join_type) && side === 'left'));
    if (l) return l === 'here' && preserved('left') ? 'here' : 'nullable';
    if (r) return r === 'here' && preserved('right') ? 'here' : 'nullable';
    return undefined;
  };
  const where = place(select.from_table);
  if (where === undefined) return { reason: `${name} is read inside a subquery or CTE that does more than filter its rows (or renames its columns), not in the FROM of the SELECT that computes the partition`, offset: driver.offset };
  if (where === 'nullable') return { reason: `${name} is joined on the side of an outer, positional or ASOF join whose rows depend on the other side`, offset: driver.offset };
  let found: { reason: string; offset?: number } | undefined;
  // The gold partition, as the query may write it: its expression, or its alias when the FROM reads silver tables
  // only (directly or through filter-only CTEs and subqueries) and none has a column of that name: DuckDB binds a name
  // to a column of the FROM first, a gold table's, a VALUES list's or a silver one's (two attacks, stop 45). In GROUP
  // BY, its position in the select list too; in a window's PARTITION BY, a number is a constant (one window over
  // every row).
  // A bare name binds to a table of the FROM first (its whole row: `JOIN silver.regions AS day`), then to a column.
  const relationNames = new Set<string>();
  walk(select.from_table, (n) => {
    if (n.type === 'BASE_TABLE') relationNames.add(String(n.alias || n.table_name).toLowerCase());
    if (n.type === 'SUBQUERY' && n.alias) relationNames.add(String(n.alias).toLowerCase());
  });
  const alias = String(partItem.alias);
  const aliasUsable = fromScope(select).silverOnly && !silverColumns.has(alias) && !relationNames.has(alias.toLowerCase());
  const position = (select.select_list as Node[]).indexOf(partItem) + 1;
  const isPartition = (e: Node): boolean => sameTree(e, partItem, { aliases: false })
    || (aliasUsable && e.class === 'COLUMN_REF' && e.column_names.length === 1 && e.column_names[0] === partItem.alias);
  const isPartitionKey = (e: Node): boolean => isPartition(e) || (e.class === 'CONSTANT' && e.value?.value === position);
  walk(select, (n) => {
    if (found) return;
    // A window partitioned by the gold partition sees the rows of one gold partition only.
    if (n.class === 'WINDOW' && !((n.partitions ?? []) as Node[]).some(isPartition)) {
      found = { reason: 'a window function (OVER) sees the rows of other partitions (partition it by the gold partition column: OVER (PARTITION BY …))', offset: n.query_location };
    }
    if (n.class === 'COLUMN_REF' && n.column_names.length === 1 && CLOCK.has(String(n.column_names[0]).toLowerCase())) {
      found = { reason: `it reads the clock (${n.column_names[0]}): rows leave or enter its result as time passes, in partitions no run changes`, offset: n.query_location };
    }
    // USING SAMPLE of a query, TABLESAMPLE of a table, at any depth.
    if (n.sample) found = { reason: 'a SAMPLE draws rows among all partitions' };
  });
  if (found) return found;
  const modifiers = (select.modifiers ?? []) as Node[];
  if (modifiers.some((m) => m.type === 'LIMIT_MODIFIER' || m.type === 'LIMIT_PERCENT_MODIFIER')) return { reason: 'a LIMIT picks rows among all partitions' };
  if (modifiers.some((m) => m.type === 'DISTINCT_MODIFIER' && m.distinct_on_targets?.length)) return { reason: 'DISTINCT ON picks one row among all partitions' };
  // Grouping sets that all group by the gold partition never total over partitions.
  const keys = (select.group_expressions ?? []) as Node[];
  const sets = (select.group_sets ?? []) as number[][];
  if (sets.length > 1 && !sets.every((set) => set.some((i) => keys[i] && isPartitionKey(keys[i]!)))) {
    return { reason: 'grouping sets (ROLLUP, CUBE, GROUPING SETS) add rows that total over partitions (group every set by the gold partition column)' };
  }
  walk(partItem, (n) => {
    if (!found && n.class === 'FUNCTION' && AGGREGATE_FUNCTIONS.has(String(n.function_name))) found = { reason: `the partition column is an aggregate (${n.function_name}) over rows of many partitions`, offset: n.query_location };
    // A subquery's tables are not there when the partitions a change feeds are computed (it failed every refresh).
    if (!found && n.class === 'SUBQUERY') found = { reason: 'the partition column reads a subquery', offset: n.query_location };
  });
  return found;
}

/** The clock, as DuckDB's parser gives it (a column reference): a query reading it is not a function of its rows. */
const CLOCK = new Set(['current_date', 'current_timestamp', 'current_time', 'localtimestamp', 'localtime']);

/**
 * The relations a SELECT's own FROM names (name: its alias, or its table's name; lowercased), each with the silver
 * dataset it reads when it is a silver table or a filter-only CTE or subquery over one silver table alone (silver),
 * whether every one of them is such (silverOnly), and whether a join of them merges columns (NATURAL, USING).
 */
function fromScope(select: Node): { relations: Array<{ name: string; silver?: string }>; silverOnly: boolean; natural: boolean; using: Set<string> } {
  const entries = ((select.cte_map?.map ?? []) as Node[]);
  const relations: Array<{ name: string; silver?: string }> = [];
  let natural = false;
  const using = new Set<string>();
  const silverOf = (t: Node | undefined, depth = 0): string | undefined => {
    if (!t || depth > 16 || (t.column_name_alias as unknown[] | undefined)?.length) return undefined;
    if (t.type === 'BASE_TABLE') {
      if (t.schema_name?.toLowerCase() === 'silver') return String(t.table_name);
      const e = !t.schema_name ? entries.find((x) => String(x.key).toLowerCase() === String(t.table_name).toLowerCase()) : undefined;
      const body = e?.value?.query?.node as Node | undefined;
      return body && !e!.value.aliases?.length && filterOnlyOverOne(body) ? silverOf(body.from_table, depth + 1) : undefined;
    }
    if (t.type === 'SUBQUERY') {
      const body = t.subquery?.node as Node | undefined;
      return body && filterOnlyOverOne(body) ? silverOf(body.from_table, depth + 1) : undefined;
    }
    return undefined;
  };
  const visit = (t: Node | undefined): void => {
    if (!t) return;
    if (t.type === 'JOIN') {
      if (String(t.ref_type) === 'NATURAL') natural = true;
      for (const c of (t.using_columns ?? []) as string[]) using.add(String(c).toLowerCase());
      visit(t.left);
      visit(t.right);
      return;
    }
    const name = String(t.alias || (t.type === 'BASE_TABLE' ? t.table_name : '')).toLowerCase();
    const silver = silverOf(t);
    relations.push({ name, ...(silver ? { silver } : {}) });
  };
  visit(select.from_table);
  return { relations, silverOnly: relations.every((r) => r.silver !== undefined), natural, using };
}

/**
 * filterOnly over one table: over a join, its * holds the columns of both sides, and DuckDB binds a name the two
 * share to the first one's, no error (a gold table's ts taken for the driver's: an attack, stop 45).
 */
function filterOnlyOverOne(q: Node | undefined): boolean {
  return filterOnly(q) && q!.from_table?.type !== 'JOIN';
}

/** A query that passes its FROM's rows through unchanged but for a filter: SELECT * … [WHERE …], nothing else. */
function filterOnly(q: Node | undefined): boolean {
  if (!q || q.type !== 'SELECT_NODE') return false;
  const list = (q.select_list ?? []) as Node[];
  const star = list.length === 1 && list[0]!.class === 'STAR' && !list[0]!.exclude_list?.length && !list[0]!.replace_list?.length
    && !list[0]!.rename_list?.length && !list[0]!.expr && !list[0]!.columns;
  return star && !(q.modifiers ?? []).length && !(q.group_expressions ?? []).length && !q.having && !q.qualify && !q.sample
    && !(q.cte_map?.map ?? []).length && q.aggregate_handling !== 'FORCE_AGGREGATES';
}

/**
 * Time units and the partition transforms a truncation to each is constant within: a day within hours and days, a
 * week within hours and days (not months: weeks cross them), a month within hours, days and months, and so on.
 */
const CONSTANT_WITHIN: Record<string, readonly string[]> = {
  hour: ['hour'], day: ['hour', 'day'], week: ['hour', 'day'], month: ['hour', 'day', 'month'], quarter: ['hour', 'day', 'month'],
  year: ['hour', 'day', 'month', 'year'],
};
const TRUNCATIONS: Record<string, string> = { year: 'year', quarter: 'quarter', month: 'month', week: 'week', day: 'day', dayofmonth: 'day', hour: 'hour' };

/**
 * Whether `expr` is constant within a silver partition by its form: it reads the partition column, or the source
 * column under a truncation at least as coarse as the partition transform (CAST(c AS DATE), date_trunc, date_part,
 * year, quarter, month, day, hour), or the source column itself when the transform is identity (or day, of a DATE), and computes
 * anything else from those and constants. A sample of instants cannot prove it: `CASE WHEN hour(c) = 17 THEN
 * CAST(c AS DATE) + 1 …` passed one, and its 17:30 rows were never published (attack, stop 36).
 */
function constantWithin(expr: Node, source: { kind: 'partition'; name: string } | { kind: 'source'; column: string; transform: string; type?: string }): boolean {
  // The source column itself: with the identity transform, or a DATE partitioned by day (the day of a date is the date;
  // the check refused SELECT day … with partitionBy [day] over a DATE column day: newcomer's trial, stop 44).
  const whole = source.kind === 'source' && (source.transform === 'identity' || (source.transform === 'day' && String(source.type).toUpperCase() === 'DATE'));
  const isColumn = (n: Node | undefined): boolean => {
    while (n?.class === 'CAST' && ['TIMESTAMP', 'TIMESTAMP_MS', 'DATE'].includes(String(n.cast_type?.id)) && !n.try_cast && n.child?.class === 'COLUMN_REF') n = n.child;
    return n?.class === 'COLUMN_REF' && source.kind === 'source' && n.column_names.at(-1) === source.column;
  };
  const coarseEnough = (unit: string | undefined) => source.kind === 'source' && unit !== undefined
    && (CONSTANT_WITHIN[unit] ?? []).includes(source.transform === 'identity' ? 'hour' : source.transform);
  const literal = (n: Node | undefined) => (n?.class === 'CONSTANT' && typeof n.value?.value === 'string' ? String(n.value.value).toLowerCase() : undefined);
  const ok = (n: unknown): boolean => {
    if (Array.isArray(n)) return n.every(ok);
    if (!n || typeof n !== 'object') return true;
    const e = n as Node;
    if (e.class === 'COLUMN_REF') {
      const col = e.column_names.at(-1);
      return source.kind === 'partition' ? col === source.name : whole && col === source.column;
    }
    if (e.class === 'CAST' && String(e.cast_type?.id) === 'DATE' && isColumn(e.child)) return coarseEnough('day');
    if (e.class === 'FUNCTION') {
      const f = String(e.function_name).toLowerCase();
      const args = (e.children ?? []) as Node[];
      if (TRUNCATIONS[f] && args.length === 1 && isColumn(args[0])) return coarseEnough(TRUNCATIONS[f]);
      if ((f === 'date_trunc' || f === 'date_part') && args.length === 2 && isColumn(args[1])) return coarseEnough(TRUNCATIONS[literal(args[0]) ?? ''] ?? literal(args[0]));
    }
    return Object.values(e).every(ok);
  };
  return ok(expr);
}

function hasColumn(d: DatasetPlan | undefined, c: string): boolean {
  return Boolean(d && (d.columns.some((x) => x.name === c) || d.partitions.some((x) => x.name === c)));
}

export type { Finding };
