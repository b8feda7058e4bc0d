// The lake the data docs are shown on: the demo's (public data from vega-datasets, the example schemas), plus two
// runs that need attention — an airports file rejected for too many bad rows, and a flights batch the silver gate
// halts (a distance of 99,999 miles). Used by the browser test and by the README screenshots.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { demoIngests } from '../../cli/commands/demo.ts';
import type { RunRecord } from '../../runtime/runs/record.ts';
import { ingestFile } from '../../workflows/ingest-local.ts';
import { openLocalLake, type LocalLake } from '../../workflows/lake.ts';

export const BAD_AIRPORTS = 'iata,name,city,state,country,latitude,longitude\n'
  + 'zz1,Lowercase Field,Nowhere,NV,USA,39.5,-119.8\n'
  + 'XQ9,Too Far North,Nowhere,AK,USA,95.1,-150.2\n'
  + 'XQ8,Fine Field,Somewhere,OR,USA,44.0,-121.3\n';

export const HALTED_FLIGHTS = JSON.stringify([
  { date: '2001/04/01 10:05', delay: 12, distance: 99999, origin: 'SEA', destination: 'LAX' },
  { date: '2001/04/01 11:30', delay: -3, distance: 954, origin: 'SEA', destination: 'SFO' },
]);

export async function docsDemoLake(root: string): Promise<{ lake: LocalLake; records: RunRecord[] }> {
  const lake = await openLocalLake({ lake: join(root, 'lake'), schemas: resolve('schemas') });
  const records: RunRecord[] = [];
  for (const i of await demoIngests(join(root, 'input'))) records.push((await ingestFile(lake, i.dataset, i.file)).record);
  await mkdir(join(root, 'bad'), { recursive: true });
  await writeFile(join(root, 'bad', 'airports-fix.csv'), BAD_AIRPORTS);
  await writeFile(join(root, 'bad', 'flights-2001-04.json'), HALTED_FLIGHTS);
  records.push((await ingestFile(lake, 'airports', join(root, 'bad', 'airports-fix.csv'))).record);
  records.push((await ingestFile(lake, 'flights', join(root, 'bad', 'flights-2001-04.json'))).record);
  return { lake, records };
}
