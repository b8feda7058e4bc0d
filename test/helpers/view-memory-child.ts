// How much memory DuckDB takes to create a view over many files, for test/views-memory.test.ts: a process of its own,
// so that its peak RSS (VmHWM, reset just before) is the view's alone.
//   node test/helpers/view-memory-child.ts <folder> <files>
// Prints {"files": n, "sqlBytes": …, "peakMB": growth of the peak RSS over the RSS before, in MB}.
import { linkSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duck, pathLit } from '../../runtime/engine/duckdb.ts';
import { createView } from '../../runtime/engine/views.ts';

const [dir, n] = [process.argv[2]!, Number(process.argv[3])];
const db = await Duck.open({ path: join(dir, 'catalog.duckdb'), memoryLimit: '256MB', threads: 1 });
const first = join(dir, 'part-0.parquet');
await db.run(`COPY (SELECT 1 AS id) TO ${pathLit(first)}`);
// Paths as long as a lake's (about 120 characters): one file, linked under every name.
const files = Array.from({ length: n }, (_, i) => join(dir, `dt=2024-01-01-region_${String(i).padStart(6, '0')}-v-20261201T183813957Z-4e073e-part-0.parquet`));
for (const f of files) linkSync(first, f);
const glue = { Name: 'many', StorageDescriptor: { Columns: [{ Name: 'id', Type: 'bigint' }] }, PartitionKeys: [], Parameters: {} };
const status = () => readFileSync('/proc/self/status', 'utf8');
const mb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status())![1]) / 1024;
writeFileSync('/proc/self/clear_refs', '5'); // the peak RSS starts again from the RSS now
const before = mb('VmRSS');
await db.run('CREATE SCHEMA silver');
await createView(db, 'silver', 'many', glue as never, files, true);
await db.run('CHECKPOINT');
const peak = mb('VmHWM');
const [{ rows }] = await db.all<{ rows: number }>('SELECT count(*)::INT AS rows FROM silver.many') as [{ rows: number }];
db.close();
process.stdout.write(JSON.stringify({ files: n, rows, peakMB: Math.round(peak - before) }));
