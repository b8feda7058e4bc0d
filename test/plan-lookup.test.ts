// The plan's lookups and names (core/plan/sets.ts, layout.ts, stream.ts): datasets and gold tables by name, with the
// closest name when one is unknown; the gold tables a run refreshes; every lake key; Firehose's prefixes and object
// names. Expected keys are written out by hand. Fast: pure functions.
import { describe, expect, it } from 'vitest';
import type { GoldPlan } from '../core/gold/analyze.ts';
import type { DatasetPlan } from '../core/plan/compile.ts';
import { BRONZE_OBJECTS, LAYERS, layerOf, layout, versionPrefix } from '../core/plan/layout.ts';
import { goldSet, planSet } from '../core/plan/sets.ts';
import { firehoseErrorPrefix, firehosePrefix, MIB, streamErrorsPrefix, streamObjectKey } from '../core/plan/stream.ts';

const dataset = (name: string) => ({ dataset: name }) as DatasetPlan;
const gold = (table: string, silver: string[], goldReads: string[] = []) => ({ table, reads: { silver, gold: goldReads } }) as unknown as GoldPlan;

/** The error `fn` throws: its name and message. */
function thrown(fn: () => unknown): { name: string; message: string } {
  try {
    fn();
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('did not throw');
}

describe('planSet', () => {
  it('finds a dataset by name, lists them all, and names the closest and every known one when the name is unknown', () => {
    const set = planSet([dataset('orders'), dataset('customers')]);
    expect(set.get('orders').dataset).toBe('orders');
    expect(set.list().map((p) => p.dataset)).toEqual(['orders', 'customers']);
    expect(thrown(() => set.get('ordres'))).toEqual({ name: 'Strata.UnknownDataset', message: 'no schema defines dataset "ordres": did you mean "orders"? (known: orders, customers)' });
    expect(thrown(() => set.get('zzz'))).toEqual({ name: 'Strata.UnknownDataset', message: 'no schema defines dataset "zzz" (known: orders, customers)' });
    expect(thrown(() => planSet([]).get('x'))).toEqual({ name: 'Strata.UnknownDataset', message: 'no schema defines dataset "x" (known: none)' });
  });
});

describe('goldSet', () => {
  it('finds a gold table by name, lists them in order, and names the closest when the name is unknown', () => {
    const plans = [gold('daily', ['orders']), gold('monthly', [], ['daily'])];
    const set = goldSet(plans);
    expect(set.get('monthly').table).toBe('monthly');
    expect(set.list().map((p) => p.table)).toEqual(['daily', 'monthly']);
    expect(set.list()).not.toBe(plans);
    expect(thrown(() => set.get('dialy'))).toEqual({ name: 'Strata.UnknownDataset', message: 'no schema defines gold table "dialy": did you mean "daily"?' });
    expect(thrown(() => set.get('zzzzzz'))).toEqual({ name: 'Strata.UnknownDataset', message: 'no schema defines gold table "zzzzzz"' });
  });

  it('forDataset: the tables that read the dataset, or a table refreshed before them, in dependency order', () => {
    const set = goldSet([
      gold('daily', ['orders']), gold('by_country', ['customers']), gold('monthly', [], ['daily']),
      gold('mixed', ['customers'], ['monthly']), gold('other', ['products'], ['by_country']),
    ]);
    expect(set.forDataset('orders').map((p) => p.table)).toEqual(['daily', 'monthly', 'mixed']);
    expect(set.forDataset('customers').map((p) => p.table)).toEqual(['by_country', 'mixed', 'other']);
    expect(set.forDataset('products').map((p) => p.table)).toEqual(['other']);
    expect(set.forDataset('nothing')).toEqual([]);
  });
});

describe('layout', () => {
  it('every key of a dataset and of a table, relative to the lake root', () => {
    expect(BRONZE_OBJECTS).toBe('_objects');
    expect([layout.bronze('o'), layout.bronzeObject('o', 'abc', 'x/p.csv'), layout.staging('o', 'r1'), layout.silver('o'), layout.quarantine('o'), layout.gold('t')])
      .toEqual(['bronze/o/', 'bronze/o/_objects/abc/x/p.csv', 'staging/o/r1/', 'silver/o/', 'quarantine/o/', 'gold/t/']);
    expect([layout.manifest('silver/o/'), layout.manifestHistory('gold/t/'), layout.runs('o'), layout.run('o', 'r1'), layout.metrics('o'), layout.goldMetrics('t'), layout.schemas('o')])
      .toEqual(['silver/o/_strata/manifest.json', 'gold/t/_strata/history/', '_strata/runs/o/', '_strata/runs/o/r1.json', '_strata/metrics/silver/o/', '_strata/metrics/gold/t/', '_strata/schemas/o/']);
    expect(versionPrefix('silver/o/', 'dt=2025-06-15', 'r1')).toBe('silver/o/dt=2025-06-15/v-r1/');
    expect(versionPrefix('silver/o/', '', 'r1')).toBe('silver/o/v-r1/');
  });

  it('layerOf: the first folder of a key, one of the layers in flow order; anything else is an error', () => {
    expect(LAYERS).toEqual(['bronze', 'staging', 'silver', 'quarantine', 'gold', '_strata']);
    expect(['bronze/o/x.csv', 'staging/o/r/', 'silver/o/', 'quarantine/o/a', 'gold/t/', '_strata/runs/o/r.json'].map(layerOf))
      .toEqual(['bronze', 'staging', 'silver', 'quarantine', 'gold', '_strata']);
    expect(() => layerOf('other/x')).toThrow('key outside the lake layout: other/x');
    expect(() => layerOf('silverx/o/')).toThrow('key outside the lake layout: silverx/o/');
  });
});

describe('stream', () => {
  it('Firehose prefixes: bronze by hour of the oldest record; errors outside bronze, by error type and hour', () => {
    expect(firehosePrefix('clicks')).toBe('bronze/clicks/!{timestamp:yyyy/MM/dd/HH}/');
    expect(streamErrorsPrefix('clicks')).toBe('stream-errors/clicks/');
    expect(firehoseErrorPrefix('clicks')).toBe('stream-errors/clicks/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/');
    expect(MIB).toBe(1048576);
  });

  it('streamObjectKey: the hour folder and Firehose\'s object name, fields zero-padded, UTC', () => {
    expect(streamObjectKey('clicks', 'lake-clicks', new Date('2025-01-02T03:04:05.678Z'), 'u-1'))
      .toBe('bronze/clicks/2025/01/02/03/lake-clicks-1-2025-01-02-03-04-05-u-1.gz');
    expect(streamObjectKey('clicks', 's', new Date('2025-12-31T23:59:59.999+00:00'), 'u', 2)).toBe('bronze/clicks/2025/12/31/23/s-2-2025-12-31-23-59-59-u.gz');
    expect(streamObjectKey('clicks', 's', new Date('2025-07-01T00:30:00+02:00'), 'u')).toBe('bronze/clicks/2025/06/30/22/s-1-2025-06-30-22-30-00-u.gz');
  });
});
