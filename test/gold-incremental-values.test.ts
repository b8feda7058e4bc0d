// Incremental gold over identity partitions with NULL, empty, percent-encoded and odd values, an expression of the
// partition (upper), and a day partition rolled up into months: gold equals its SQL over silver after every run, a
// rollback and a run after it, in one process that keeps each driver partition's gold value (runtime/gold/refresh.ts
// goldValues). (Written by an attack on that cache; it held.)
import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../workflows/maintenance.ts';
import { makeLake, type TestLake } from './helpers/lake.ts';

let l: TestLake;
afterAll(() => l?.cleanup());

const schema = `dataset: ev
source: { format: jsonl }
columns:
  - { name: id, type: bigint, required: true }
  - { name: cat, type: string }
  - { name: n, type: bigint }
  - { name: ts, type: timestamp, required: true }
mode: upsert
primaryKey: [id]
rejects: { maxRatio: 1 }
partitionBy:
  - { name: cat_p, column: cat }
gold:
  - table: by_cat
    sql: SELECT cat, SUM(n) AS total, COUNT(*) AS c FROM silver.ev GROUP BY 1
    partitionBy: [cat]
    refresh: incremental
  - table: by_cat_upper
    sql: SELECT upper(cat_p) AS k, SUM(n) AS total FROM silver.ev GROUP BY 1
    partitionBy: [k]
    refresh: incremental
`;
const schema2 = `dataset: days
source: { format: jsonl }
columns:
  - { name: id, type: bigint, required: true }
  - { name: n, type: bigint }
  - { name: ts, type: timestamp, required: true }
mode: upsert
primaryKey: [id]
partitionBy:
  - { name: dt, column: ts, transform: day }
gold:
  - table: monthly
    sql: SELECT (year(ts) * 100 + month(ts)) AS m, SUM(n) AS total, COUNT(*) AS c FROM silver.days GROUP BY 1
    partitionBy: [m]
    refresh: incremental
`;

const j = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function check(tag: string) {
  const a = await l.query(`SELECT cat, total::BIGINT AS total, c::INT AS c FROM gold.by_cat ORDER BY 1 NULLS FIRST`);
  const b = await l.query(`SELECT cat, SUM(n)::BIGINT AS total, COUNT(*)::INT AS c FROM silver.ev GROUP BY 1 ORDER BY 1 NULLS FIRST`);
  expect(a, `${tag} by_cat`).toEqual(b);
  const c = await l.query(`SELECT k, total::BIGINT AS total FROM gold.by_cat_upper ORDER BY 1 NULLS FIRST`);
  const d = await l.query(`SELECT upper(cat) AS k, SUM(n)::BIGINT AS total FROM silver.ev GROUP BY 1 ORDER BY 1 NULLS FIRST`);
  expect(c, `${tag} by_cat_upper`).toEqual(d);
  if (tag === 'ev run 0') return;
  const e = await l.query(`SELECT m::INT AS m, total::BIGINT AS total, c::INT AS c FROM gold.monthly ORDER BY 1`);
  const f = await l.query(`SELECT (year(ts) * 100 + month(ts))::INT AS m, SUM(n)::BIGINT AS total, COUNT(*)::INT AS c FROM silver.days GROUP BY 1 ORDER BY 1`);
  expect(e, `${tag} monthly`).toEqual(f);
}

describe('incremental gold: the gold partition each silver partition feeds', () => {
  it('gold equals its SQL after each run', async () => {
    l = await makeLake({ ev: schema, days: schema2 });
    expect(l.gold.map((g) => g.refresh)).toEqual(['incremental', 'incremental', 'incremental']);
    const cats = [null, 'a b', '50%', 'x/y', 'ü', "o'k", 'A', 'a', '', '%2F'];
    const runs: string[] = [];
    for (let r = 0; r < 4; r++) {
      const rows = cats.map((cat, i) => ({ id: i + (r % 2) * 100, cat: r === 2 && i % 2 ? cats[(i + 1) % cats.length] : cat, n: r * 10 + i, ts: '2025-06-12T10:00:00Z' }));
      const x = await l.ingest('ev', await l.file(`e${r}.jsonl`, j(rows)));
      runs.push(x.record.runId);
      await check(`ev run ${r}`);
      const days = [{ id: r, n: r, ts: `2025-0${6 + (r % 2)}-${10 + r}T23:59:59Z` }, { id: 50 + r, n: 1, ts: `2025-07-01T00:00:00Z` }, { id: 1, n: 100 + r, ts: `2025-0${5 + r}-28T00:00:00Z` }];
      await l.ingest('days', await l.file(`d${r}.jsonl`, j(days)));
      await check(`days run ${r}`);
    }
    await rollback(l, 'ev', runs[1]!);
    await check('after rollback');
    await l.ingest('ev', await l.file('e9.jsonl', j([{ id: 1, cat: null, n: 7, ts: '2025-06-12T10:00:00Z' }, { id: 3, cat: 'A', n: 8, ts: '2025-06-12T10:00:00Z' }])));
    await check('run after rollback');
  }, 300_000);
});
