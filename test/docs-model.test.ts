// The data docs' model from hand-made facts (run records, manifests, metric lines) over the example schemas' plans:
// freshness, staleness, attention, rising quarantine, quality series, reason totals, table state, lineage, and the
// state machine graph. Every expected value is written out by hand.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGold, type GoldPlan } from '../core/gold/analyze.ts';
import { goldSet } from '../core/plan/sets.ts';
import { compile, type DatasetPlan } from '../core/plan/compile.ts';
import { checkProject, loadProject } from '../core/project.ts';
import { buildDocsModel } from '../runtime/docs/build.ts';
import type { LakeFacts } from '../runtime/docs/gather.ts';
import { reasonTotals, risingQuarantine } from '../runtime/docs/runs.ts';
import { tableState } from '../runtime/docs/tables.ts';
import type { MetricLine } from '../runtime/quality/metrics.ts';
import type { RunRecord, RunStatus } from '../runtime/runs/record.ts';
import type { TableManifest } from '../runtime/table/manifest.ts';
import { aslGraph } from '../workflows/asl-graph.ts';
import { renderAsl } from '../workflows/asl.ts';

let plans: DatasetPlan[];
let gold: GoldPlan[];
beforeAll(async () => {
  const project = await loadProject('schemas');
  plans = project.schemas.map((s) => compile(s.spec));
  gold = (await analyzeGold(plans)).plans;
});

const NOW = new Date('2025-06-02T00:00:00.000Z');
/** 2025-06-01 at hh:mm:ss. */
const T = (hh: number, mm = 0, ss = 0) => `2025-06-01T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}.000Z`;

function run(p: Partial<RunRecord> & { runId: string; dataset: string; status: RunStatus; startedAt: string; finishedAt: string }): RunRecord {
  return {
    source: { key: `bronze/${p.dataset}/${p.runId}.json`, etag: 'e', size: 1, sourceId: `s-${p.runId}` }, durationMs: 60_000,
    rowsIn: 0, rowsValid: 0, rowsQuarantined: 0, rowsSuperseded: 0, partitions: [], timings: [], warnings: [], reasons: [], ...p,
  };
}

function manifest(table: string, layer: 'silver' | 'gold', history: Array<[runId: string, at: string]>): TableManifest {
  return {
    table, layer, version: history.length, schemaHash: 'h', partitionKeys: [], partitions: {}, sources: {}, retired: [], updatedAt: history.at(-1)?.[1] ?? T(0),
    history: history.map(([runId, at], i) => ({ version: i + 1, runId, at, kind: layer === 'silver' ? 'commit' : 'publish', changes: [] })),
  };
}

function facts(f: Partial<LakeFacts>): LakeFacts {
  return { lake: { kind: 'local', uri: 'file:///lake/' }, runs: [], manifests: {}, metrics: [], bronze: {}, ...f };
}

const model = (f: Partial<LakeFacts>) => buildDocsModel({ plans, gold, facts: facts(f), stateMachines: {}, now: NOW });

describe('freshness, staleness and attention', () => {
  it('a run that failed after committing silver: the dataset needs attention, the gold table reading it is stale', () => {
    const a1 = run({ runId: 'a1', dataset: 'airports', status: 'SUCCEEDED', startedAt: T(0), finishedAt: T(0, 1), gold: [{ table: 'daily_delays', status: 'published', mode: 'full', partitions: [], rows: 0 }] });
    const f1 = run({ runId: 'f1', dataset: 'flights', status: 'SUCCEEDED', startedAt: T(1), finishedAt: T(1, 1), partitions: ['dt=2001-01-01'],
      gold: [{ table: 'daily_delays', status: 'published', mode: 'incremental', partitions: ['day=2001-01-01'], rows: 10, ms: 5 }] });
    const f2 = run({ runId: 'f2', dataset: 'flights', status: 'FAILED', startedAt: T(3), finishedAt: T(3, 1), error: { name: 'States.Timeout', message: 'the gold step timed out\nsecond line' } });
    const m = model({
      runs: [f2, f1, a1],
      manifests: {
        'silver:flights': manifest('flights', 'silver', [['f1', T(1, 0, 10)], ['f2', T(3, 0, 10)]]),
        'silver:airports': manifest('airports', 'silver', [['a1', T(0, 0, 10)]]),
        'gold:daily_delays': manifest('daily_delays', 'gold', [['f1', T(1, 0, 20)]]),
      },
    });
    const flights = m.datasets.find((d) => d.name === 'flights')!;
    // f2 committed but failed: not a success; the newest run is f2.
    expect(flights.freshness).toEqual({ lastSuccess: { runId: 'f1', at: T(1, 1), ageMs: 23 * 3600_000 - 60_000 }, lastRun: { runId: 'f2', status: 'FAILED', at: T(3, 1) } });
    const dd = m.gold.find((g) => g.name === 'daily_delays')!;
    expect(dd.refreshes.map((r) => `${r.runId} ${r.status}`)).toEqual(['f2 not refreshed', 'f1 published', 'a1 published']);
    expect(dd.freshness).toEqual({ lastSuccess: { runId: 'f1', at: T(1, 1), ageMs: 23 * 3600_000 - 60_000 }, lastRun: { runId: 'f2', status: 'FAILED', at: T(3, 1) } });
    expect(dd.stale).toEqual({ since: T(3, 0, 10), reason: `silver.flights changed in run f2 at ${T(3, 0, 10)}, after this table's last refresh (run f1 at ${T(1, 1)})` });
    expect(m.gold.find((g) => g.name === 'genre_box_office')!.stale).toBeUndefined();
    expect(m.attention).toEqual([
      { level: 'error', kind: 'failed', layer: 'silver', table: 'flights', at: T(3, 1), runId: 'f2', message: 'the newest run failed: States.Timeout: the gold step timed out' },
      { level: 'warning', kind: 'stale', layer: 'gold', table: 'daily_delays', at: T(3, 0, 10), message: `stale: ${dd.stale!.reason}` },
    ]);
    // Then strata refresh publishes every gold table a run of flights refreshes: the failure is history, not attention
    // (newcomer's trial, stop 50: the overview kept it, doctor said no problems).
    const refreshed = (tables: string[]) => model({
      runs: [f2, f1, a1],
      manifests: {
        'silver:flights': manifest('flights', 'silver', [['f1', T(1, 0, 10)], ['f2', T(3, 0, 10)]]),
        'silver:airports': manifest('airports', 'silver', [['a1', T(0, 0, 10)]]),
        ...Object.fromEntries(goldSet(gold).forDataset('flights').map((g) => [`gold:${g.table}`,
          manifest(g.table, 'gold', [['f1', T(1, 0, 20)], ...(tables.includes(g.table) ? [['r9', T(4)] as [string, string]] : [])])])),
      },
    }).attention.filter((a) => a.kind === 'failed');
    const all = goldSet(gold).forDataset('flights').map((g) => g.table);
    expect(refreshed(all)).toEqual([]);
    // Not while one of them is still behind.
    expect(refreshed(all.slice(1))).toHaveLength(1);
  });

  it('a gold refresh in the same run as the silver commit keeps the table fresh; a later refresh with nothing to change too', () => {
    const f1 = run({ runId: 'f1', dataset: 'flights', status: 'SUCCEEDED', startedAt: T(1), finishedAt: T(1, 1), gold: [{ table: 'daily_delays', status: 'published', partitions: ['day=2001-01-01'], rows: 3 }] });
    const a2 = run({ runId: 'a2', dataset: 'airports', status: 'SUCCEEDED', startedAt: T(2), finishedAt: T(2, 1), gold: [{ table: 'daily_delays', status: 'unchanged', partitions: [], rows: 0 }] });
    const m = model({
      runs: [a2, f1],
      manifests: {
        'silver:flights': manifest('flights', 'silver', [['f1', T(1, 0, 10)]]),
        'silver:airports': manifest('airports', 'silver', [['a2', T(2, 0, 10)]]),
        'gold:daily_delays': manifest('daily_delays', 'gold', [['f1', T(1, 0, 20)]]),
      },
    });
    const dd = m.gold.find((g) => g.name === 'daily_delays')!;
    expect(dd.stale).toBeUndefined();
    expect(dd.freshness.lastRun).toEqual({ runId: 'a2', status: 'UNCHANGED', at: T(2, 1) });
    expect(m.attention).toEqual([]);
  });

  it('a silver halt is the dataset\'s problem; a gold halt after the silver commit is the gold table\'s (and leaves it stale)', () => {
    const m1 = run({ runId: 'm1', dataset: 'movies', status: 'HALTED', startedAt: T(4), finishedAt: T(4, 1), error: { name: 'Strata.QualityHalt', message: 'quality gate halted bronze/movies/x.json: RowCount > 0 → FAIL' } });
    const g1 = run({ runId: 'g1', dataset: 'flights', status: 'HALTED', startedAt: T(5), finishedAt: T(5, 1), partitions: ['dt=2001-01-02'], error: { name: 'Strata.QualityHalt', message: 'gold quality gate halted daily_delays' },
      gold: [{ table: 'daily_delays', status: 'halted', partitions: [], rows: 0 }] });
    const m = model({ runs: [g1, m1], manifests: { 'silver:flights': manifest('flights', 'silver', [['g1', T(5, 0, 10)]]) } });
    expect(m.datasets.find((d) => d.name === 'flights')!.freshness.lastSuccess?.runId).toBe('g1');
    expect(m.datasets.find((d) => d.name === 'movies')!.freshness.lastSuccess).toBeUndefined();
    expect(m.attention.map((a) => `${a.level} ${a.kind} ${a.layer}.${a.table}`)).toEqual([
      'error gold-halted gold.daily_delays', 'error halted silver.movies', 'warning stale gold.daily_delays',
    ]);
    expect(m.attention[1]!.message).toBe('the silver quality gate halted the newest batch: Strata.QualityHalt: quality gate halted bronze/movies/x.json: RowCount > 0 → FAIL');
    expect(m.gold.find((g) => g.name === 'daily_delays')!.stale!.reason).toBe(`silver.flights changed in run g1 at ${T(5, 0, 10)}; this table was never refreshed`);
    // Then strata refresh publishes it (no run record, only its manifest's entry): the newest refresh, and the halt is
    // history (newcomer's trial, stop 50: the overview kept the halt, the gold page listed no such refresh).
    const after = model({ runs: [g1, m1], manifests: {
      'silver:flights': manifest('flights', 'silver', [['g1', T(5, 0, 10)]]),
      'gold:daily_delays': manifest('daily_delays', 'gold', [['r9', T(6)]]),
    } });
    const dd = after.gold.find((g) => g.name === 'daily_delays')!;
    expect(dd.refreshes.map((r) => [r.runId, r.by ?? r.dataset, r.status])).toEqual([['r9', 'strata refresh', 'published'], ['g1', 'flights', 'halted']]);
    expect(after.attention.map((a) => `${a.level} ${a.kind} ${a.layer}.${a.table}`)).toEqual(['error halted silver.movies']);
    // A reader recomputed by a silver rollback's run is said to be the rollback's (an attack: it said strata refresh).
    const rolledBack = { ...manifest('flights', 'silver', [['g1', T(5, 0, 10)], ['rb', T(7)]]) };
    rolledBack.history[1]!.kind = 'rollback';
    const byRollback = model({ runs: [g1, m1], manifests: { 'silver:flights': rolledBack, 'gold:daily_delays': manifest('daily_delays', 'gold', [['rb', T(7, 0, 1)]]) } });
    expect(byRollback.gold.find((g) => g.name === 'daily_delays')!.refreshes[0]).toMatchObject({ runId: 'rb', by: 'strata rollback' });
  });

  it('a problem a later run resolved is history, not attention; a skipped re-ingest does not hide a rejected file', () => {
    const bad = run({ runId: 'a1', dataset: 'airports', status: 'REJECTED', startedAt: T(1), finishedAt: T(1, 1), rowsIn: 10, rowsQuarantined: 9, error: { name: 'Strata.RejectedFile', message: 'too many' } });
    const good = run({ runId: 'a2', dataset: 'airports', status: 'SUCCEEDED', startedAt: T(2), finishedAt: T(2, 1), rowsIn: 10, rowsValid: 10 });
    const movies = run({ runId: 'm1', dataset: 'movies', status: 'REJECTED', startedAt: T(1), finishedAt: T(1, 1), error: { name: 'Strata.SchemaMismatch', message: 'no Title' } });
    const skip = run({ runId: 'm2', dataset: 'movies', status: 'SKIPPED', startedAt: T(2), finishedAt: T(2, 1) });
    const m = model({ runs: [skip, good, movies, bad] });
    expect(m.attention.map((a) => `${a.kind} ${a.table} ${a.runId}`)).toEqual(['rejected movies m1']);
  });
});

describe('rising quarantine', () => {
  const share = (id: string, q: number, status: RunStatus = 'SUCCEEDED', hour = 0) =>
    run({ runId: id, dataset: 'airports', status, startedAt: T(hour), finishedAt: T(hour, 1), rowsIn: 100, rowsValid: 100 - q, rowsQuarantined: q });

  it('flags the newest share one point above the mean of the up to five before it (REJECTED counts, HALTED does not)', () => {
    const runs = [share('a3', 5), share('h', 100, 'HALTED'), share('a2', 2, 'REJECTED'), share('a1', 1)];
    expect(risingQuarantine(runs)).toMatchObject({ latest: 0.05, before: 0.015, compared: 2, run: { runId: 'a3' } });
    expect(risingQuarantine([share('a3', 2), ...runs.slice(1)])).toBeUndefined(); // 2% against 1.5%: half a point
    expect(risingQuarantine([share('a1', 50)])).toBeUndefined(); // nothing to compare with
  });

  it('looks at five runs back only', () => {
    const older = ['b', 'c', 'd', 'e', 'f'].map((id) => share(id, 0));
    // A sixth, 100% rejected run further back would lift the mean to 16.7% and hide the rise if it were counted.
    expect(risingQuarantine([share('a', 5), ...older, share('g', 100, 'REJECTED')])).toMatchObject({ latest: 0.05, before: 0, compared: 5 });
  });

  it('becomes a warning on the overview with both shares', () => {
    const m = model({ runs: [share('a2', 30, 'SUCCEEDED', 2), share('a1', 10, 'SUCCEEDED', 1)] });
    expect(m.attention).toEqual([{ level: 'warning', kind: 'rising-quarantine', layer: 'silver', table: 'airports', at: T(2, 1), runId: 'a2',
      message: 'quarantine is rising: the newest run quarantined 30.0% of its rows, against 10.0% on average over the 1 run before it (flagged from 1% more)' }]);
  });
});

describe('quality series from metric lines', () => {
  const line = (runId: string, at: string, halted: boolean, severity: string, rule: string, outcome: string, metric: string | null, value: number | null): MetricLine =>
    ({ layer: 'silver', table_name: 'flights', run_id: runId, evaluated_at: at, halted, severity, rule, outcome, metric, value, message: `${rule} ${outcome}` });
  const DIST = 'ColumnValues "distance" between -1 and 6000';

  it('evaluations in time order with their score, each rule\'s outcomes and metric points, history-only rules last', () => {
    const metrics = [
      line('r2', T(2), true, 'halt', 'RowCount > 0', 'PASS', 'Dataset.*.RowCount', 2),
      line('r2', T(2), true, 'halt', DIST, 'FAIL', 'Column.distance.Minimum', 5),
      line('r2', T(2), true, 'halt', DIST, 'FAIL', 'Column.distance.Maximum', 99999),
      line('r2', T(2), true, 'warn', 'Old rule', 'PASS', null, null),
      line('r1', T(1), false, 'halt', 'RowCount > 0', 'PASS', 'Dataset.*.RowCount', 100),
      line('r1', T(1), false, 'halt', DIST, 'PASS', 'Column.distance.Minimum', 5),
      line('r1', T(1), false, 'halt', DIST, 'PASS', 'Column.distance.Maximum', 4000),
    ];
    const m = model({ metrics });
    expect(m.quality.map((q) => `${q.layer}.${q.table} ${q.evaluations.length}`)).toEqual(['silver.airports 0', 'silver.flights 2', 'silver.movies 0', 'gold.daily_delays 0']);
    const q = m.quality[1]!;
    expect(q.evaluations).toEqual([
      { runId: 'r1', at: T(1), halted: false, passed: 2, total: 2, score: 1 },
      { runId: 'r2', at: T(2), halted: true, passed: 2, total: 3, score: 2 / 3 },
    ]);
    expect(q.series.map((s) => `${s.severity}: ${s.rule} [${s.outcomes.map((o) => o.outcome).join(',')}]`)).toEqual([
      'halt: RowCount > 0 [PASS,PASS]', `halt: ${DIST} [PASS,FAIL]`,
      'warn: ReferentialIntegrity "origin" "airports.iata" >= 0.99 []', 'warn: Completeness "delay" > 0.95 []',
      'warn: Mean "delay" between -30 and 120 []', 'warn: RowCount > avg(last(5)) * 0.5 []', 'warn: Old rule [PASS]',
    ]);
    expect(q.series[1]!.metrics.map((x) => `${x.metric}: ${x.points.map((p) => `${p.runId}=${p.value}`).join(' ')}`)).toEqual([
      'Column.distance.Minimum: r1=5 r2=5', 'Column.distance.Maximum: r1=4000 r2=99999',
    ]);
    expect(q.series[6]!.metrics).toEqual([]);
  });
});

describe('reasons, table state, lineage, state machine', () => {
  it('sums quarantine reasons over runs, the newest message as the example', () => {
    const r2 = run({ runId: 'r2', dataset: 'x', status: 'SUCCEEDED', startedAt: T(2), finishedAt: T(2), reasons: [
      { column: 'price', rule: 'max', count: 3, line: 4, record: 3, message: 'new message' },
      { column: null, rule: 'malformed', count: 1, line: 9, record: 8, message: 'too many fields' },
    ] });
    const r1 = run({ runId: 'r1', dataset: 'x', status: 'REJECTED', startedAt: T(1), finishedAt: T(1), reasons: [{ column: 'price', rule: 'max', count: 5, line: 2, record: 1, message: 'old message' }] });
    expect(reasonTotals([r2, r1])).toEqual([
      { column: 'price', rule: 'max', count: 8, runs: 2, example: 'new message' },
      { column: null, rule: 'malformed', count: 1, runs: 1, example: 'too many fields' },
    ]);
  });

  it('quarantine counts the runs whose rows stand: per object, its newest run (newcomer\'s trial, stop 50: a halted batch\'s rows counted after the object was ingested again)', () => {
    const src = (key: string) => ({ key: `bronze/movies/${key}`, etag: 'e', size: 1, sourceId: `s-${key}` });
    const h1 = run({ runId: 'h1', dataset: 'movies', status: 'HALTED', startedAt: T(1), finishedAt: T(1, 1), source: src('a.json'), rowsIn: 3, rowsQuarantined: 3,
      reasons: [{ column: null, rule: 'halted', count: 3, line: null, record: 1, message: 'halted' }] });
    const h2 = run({ runId: 'h2', dataset: 'movies', status: 'SUCCEEDED', startedAt: T(2), finishedAt: T(2, 1), source: src('a.json'), rowsIn: 3, rowsValid: 2, rowsQuarantined: 1,
      reasons: [{ column: 'year', rule: 'type', count: 1, line: 2, record: 1, message: 'not a year' }] });
    const h3 = run({ runId: 'h3', dataset: 'movies', status: 'SKIPPED', startedAt: T(3), finishedAt: T(3, 1), source: src('a.json') });
    const b1 = run({ runId: 'b1', dataset: 'movies', status: 'SUCCEEDED', startedAt: T(1, 30), finishedAt: T(1, 31), source: src('b.json'), rowsIn: 5, rowsValid: 3, rowsQuarantined: 2 });
    const movies = model({ runs: [h3, h2, b1, h1] }).datasets.find((d) => d.name === 'movies')!;
    expect(movies.quarantine).toMatchObject({ rows: 3, runs: 2 });
    expect(movies.quarantine.reasons.map((r) => r.rule)).toEqual(['type']);
    // b1's commit undone by a rollback: its quarantined rows left with it (an attack, stop 50).
    const rolled = { ...manifest('movies', 'silver', [['b1', T(1, 31)], ['h2', T(2, 1)]]), undone: ['b1'] };
    expect(model({ runs: [h3, h2, b1, h1], manifests: { 'silver:movies': rolled } }).datasets.find((d) => d.name === 'movies')!.quarantine.rows).toBe(1);
    // Nor does an undone run count toward a rising quarantine: b1's 40% against h2's 33% said nothing when b1 was
    // undone, and a rising warning only counted it (an attack).
    const newest = run({ runId: 'n', dataset: 'movies', status: 'SUCCEEDED', startedAt: T(4), finishedAt: T(4, 1), source: src('c.json'), rowsIn: 10, rowsValid: 5, rowsQuarantined: 5 });
    const clean = run({ runId: 'u', dataset: 'movies', status: 'SUCCEEDED', startedAt: T(3), finishedAt: T(3, 1), source: src('d.json'), rowsIn: 10, rowsValid: 10, rowsQuarantined: 0 });
    const early = run({ runId: 'e', dataset: 'movies', status: 'SUCCEEDED', startedAt: T(0, 30), finishedAt: T(0, 31), source: src('e.json'), rowsIn: 10, rowsValid: 4, rowsQuarantined: 6 });
    const rising = (undone: string[]) => model({ runs: [newest, clean, early], manifests: { 'silver:movies': { ...manifest('movies', 'silver', [['e', T(0, 31)], ['u', T(3, 1)], ['n', T(4, 1)]]), undone } } })
      .attention.filter((a) => a.kind === 'rising-quarantine');
    expect(rising([])).toHaveLength(1); // 50% against the mean of 0% and 60%
    expect(rising(['u'])).toEqual([]); // u undone: 50% against 60%
  });

  it('a manifest\'s partitions (newest first), totals, schema versions with what changed, history newest first', () => {
    const m: TableManifest = {
      ...manifest('t', 'silver', []),
      version: 2, partitionKeys: ['dt'],
      partitions: {
        'dt=1': { path: 'dt=1', values: ['1'], location: 'silver/t/dt=1/v-r1/', files: ['a', 'b'], rows: 10, bytes: 100, runId: 'r1', committedAt: T(1) },
        'dt=2': { path: 'dt=2', values: ['2'], location: 'silver/t/dt=2/v-r2/', files: ['c'], rows: 5, bytes: 50, runId: 'r2', committedAt: T(2) },
      },
      schemaHistory: [
        { hash: 'h1', appliedAt: T(1), runId: 'r1', columns: [{ name: 'id', type: 'int' }], partitionKeys: [{ name: 'dt', type: 'string' }] },
        { hash: 'h2', appliedAt: T(2), runId: 'r2', columns: [{ name: 'id', type: 'bigint' }, { name: 'note', type: 'string' }], partitionKeys: [{ name: 'dt', type: 'string' }] },
      ],
      history: [
        { version: 1, runId: 'r1', at: T(1), kind: 'commit', changes: [{ path: 'dt=1', to: 'x', rows: 10 }] },
        { version: 2, runId: 'r2', at: T(2), kind: 'commit', changes: [], collected: { partitions: 1, rows: 5 } },
      ],
    };
    const s = tableState(m);
    expect(s.partitions.map((p) => p.path)).toEqual(['dt=2', 'dt=1']);
    expect(s.totals).toEqual({ partitions: 2, files: 3, bytes: 150, rows: 15 });
    expect(s.schemaHistory.map((v) => v.changes)).toEqual([[], ['new column note (string)', 'column id widened from int to bigint']]);
    expect(s.changes).toEqual([
      { version: 2, runId: 'r2', at: T(2), kind: 'commit', partitions: 1, rows: 5 },
      { version: 1, runId: 'r1', at: T(1), kind: 'commit', partitions: 1, rows: 10 },
    ]);
  });

  it('lineage: a bronze prefix per dataset into its silver table, silver into the gold tables that read it', () => {
    const m = model({ bronze: { flights: 's3://bronze-bucket/bronze/flights/' } });
    expect(m.lineage.edges.map((e) => `${e.from} → ${e.to}`).sort()).toEqual([
      'bronze:airports → silver:airports', 'bronze:flights → silver:flights', 'bronze:movies → silver:movies',
      'silver:airports → gold:daily_delays', 'silver:flights → gold:daily_delays', 'silver:movies → gold:genre_box_office',
    ]);
    expect(m.lineage.nodes.find((n) => n.id === 'bronze:flights')!.uri).toBe('s3://bronze-bucket/bronze/flights/');
    expect(m.lineage.nodes.find((n) => n.id === 'gold:daily_delays')!.uri).toBe('file:///lake/gold/daily_delays/');
  });

  it('gold reading gold: an edge gold → gold, and a run of the silver input refreshes (or should refresh) both', async () => {
    const project = checkProject([{ file: 'orders.yaml', text: `dataset: orders
source: { format: csv }
columns:
  - { name: id, type: int }
  - { name: ordered_on, type: date }
gold:
  - table: daily
    sql: SELECT ordered_on AS day, count(*) AS n FROM silver.orders GROUP BY 1
    refresh: full
  - table: busiest
    sql: SELECT max(n) AS n FROM gold.daily
    refresh: full
` }]);
    const ps = project.schemas.map((x) => compile(x.spec));
    const analysis = await analyzeGold(ps);
    expect(analysis.issues).toEqual([]);
    const gs = analysis.plans;
    const o1 = run({ runId: 'o1', dataset: 'orders', status: 'FAILED', startedAt: T(1), finishedAt: T(1, 1), error: { name: 'Strata.Internal', message: 'x' } });
    const m = buildDocsModel({ plans: ps, gold: gs, stateMachines: {}, now: NOW,
      facts: facts({ runs: [o1], manifests: { 'silver:orders': manifest('orders', 'silver', [['o1', T(1, 0, 10)]]) } }) });
    expect(m.lineage.edges.map((e) => `${e.from} → ${e.to}`)).toEqual(['bronze:orders → silver:orders', 'silver:orders → gold:daily', 'gold:daily → gold:busiest']);
    expect(m.gold.map((g) => `${g.name}: ${g.refreshes.map((r) => `${r.runId} ${r.status}`).join(', ')}; read by ${g.readBy.join(', ') || '-'}`)).toEqual([
      'daily: o1 not refreshed; read by busiest', 'busiest: o1 not refreshed; read by -',
    ]);
    // busiest reads only gold.daily, which never changed: stale is daily alone.
    expect(m.gold.map((g) => `${g.name} ${g.stale ? 'stale' : 'fresh'}`)).toEqual(['daily stale', 'busiest fresh']);
  });

  it('the state machine graph: every transition of the ASL, choices with their conditions, one catch per Task and Map', () => {
    const flights = plans.find((p) => p.dataset === 'flights')!;
    const g = aslGraph(renderAsl(flights, { goldTables: ['daily_delays'] }));
    expect(g.startAt).toBe('Prepare');
    expect(g.states.find((s) => s.name === 'Gold')).toMatchObject({ type: 'Map', inner: ['RefreshGold'] });
    expect(g.edges.filter((e) => e.from === 'Route')).toEqual([
      { from: 'Route', to: 'Resync', kind: 'choice', label: 'stage.alreadyIngested = true' },
      { from: 'Route', to: 'RejectFile', kind: 'choice', label: 'stage.schemaMismatch = true' },
      { from: 'Route', to: 'RejectFile', kind: 'choice', label: 'stage.rejectRatio > 0.02' },
      { from: 'Route', to: 'SilverQuality', kind: 'default', label: 'otherwise' },
    ]);
    expect(g.edges.filter((e) => e.kind === 'catch').map((e) => e.from).sort()).toEqual([
      'CommitSilver', 'CommitSilver', 'Gold', 'HaltBatch', 'RecordRun', 'RegisterSilver', 'RejectFile', 'Resync', 'SilverQuality', 'Stage',
    ]);
    const [conflict, ...rest] = g.edges.filter((e) => e.kind === 'catch' && e.from === 'CommitSilver');
    expect(conflict).toEqual({ from: 'CommitSilver', to: 'CommitConflict', kind: 'catch', label: 'Strata.CommitConflict' });
    expect(g.edges.filter((e) => e.kind === 'catch' && e !== conflict).every((e) => e.to === 'RecordFailure' && e.label === 'States.ALL')).toBe(rest.length === 1);
    expect(g.edges.filter((e) => e.from === 'CommitConflict')).toEqual([
      { from: 'CommitConflict', to: 'ConflictFailure', kind: 'choice', label: 'restaged is present and restaged.count ≥ 3' },
      { from: 'CommitConflict', to: 'RestageAgain', kind: 'choice', label: 'restaged is present' },
      { from: 'CommitConflict', to: 'RestageFirst', kind: 'default', label: 'otherwise' },
    ]);
  });
});
