// A starter schema inferred from a sample file (strata init). DuckDB's sniffer guesses types and the CSV dialect;
// the result is a draft for the data engineer to edit, written in the same YAML contract as every schema.
import { basename } from 'node:path';
import { Document, isMap } from 'yaml';
import { pathLit, type Duck } from '../engine/duckdb.ts';
import { ERRORS, StrataError, engineMessage } from '../../core/errors.ts';
import type { SourceFormat } from '../../core/schema/model.ts';
import { readHead, stripBom, codecOf } from '../ingest/file-head.ts';

export interface InferredColumn {
  name: string;
  from?: string;
  type: string;
  required: boolean;
  format?: string;
  note?: string;
}

export interface InferredSchema {
  dataset: string;
  format: SourceFormat;
  delimiter?: string;
  columns: InferredColumn[];
  partition?: { name: string; column: string; transform: 'day' | 'month' };
  rows: number;
}

export function snakeCase(name: string): string {
  const s = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  const safe = /^[a-z]/.test(s) ? s : `c_${s}`;
  return safe.slice(0, 120) || 'column';
}

export async function detectFormat(path: string): Promise<SourceFormat> {
  const bare = path.replace(/\.(gz|gzip|zst|zstd)$/i, '');
  if (/\.parquet$/i.test(bare)) return 'parquet';
  if (/\.(jsonl|ndjson)$/i.test(bare)) return 'jsonl';
  if (/\.(csv|tsv|txt)$/i.test(bare)) return 'csv';
  const head = stripBom(await readHead(path, codecOf(path, 'auto'), 4096)).toString('utf8').trimStart();
  if (head.startsWith('[')) return 'json';
  if (head.startsWith('{')) return 'jsonl';
  if (head.startsWith('PAR1')) return 'parquet';
  return 'csv';
}

function logicalType(duck: string): { type: string; note?: string } {
  const t = duck.toUpperCase();
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return { type: `decimal(${dec[1]},${dec[2]})` };
  if (t === 'VARCHAR') return { type: 'string' };
  if (t === 'BOOLEAN') return { type: 'boolean' };
  if (['TINYINT', 'SMALLINT', 'INTEGER', 'UTINYINT', 'USMALLINT'].includes(t)) return { type: 'int' };
  if (['BIGINT', 'UINTEGER'].includes(t)) return { type: 'bigint' };
  if (['UBIGINT', 'HUGEINT', 'UHUGEINT'].includes(t)) return { type: 'decimal(38,0)', note: `${t} in the sample; Athena has no such type` };
  if (t === 'DOUBLE') return { type: 'double' };
  if (t === 'FLOAT') return { type: 'float' };
  if (t === 'DATE') return { type: 'date' };
  if (t.startsWith('TIMESTAMP')) return { type: 'timestamp' };
  if (t === 'TIME') return { type: 'string', note: 'TIME values are kept as text (Athena has no TIME type)' };
  return { type: 'string', note: `the sample holds ${t.split('(')[0]} values; strata stores scalars only — decide how to flatten` };
}

export async function inferSchema(db: Duck, path: string, dataset: string): Promise<InferredSchema> {
  const format = await detectFormat(path);
  const reader = format === 'parquet' ? `read_parquet(${pathLit(path)})`
    : format === 'csv' ? `read_csv(${pathLit(path)}, sample_size = 20480)`
    : `read_json(${pathLit(path)}, format = '${format === 'json' ? 'array' : 'newline_delimited'}', sample_size = 20480)`;
  let described: Array<{ name: string; type: string }>;
  try {
    described = await db.columns(`SELECT * FROM ${reader}`);
  } catch (e) {
    throw new StrataError(ERRORS.UnreadableFile, `${basename(path)}: cannot be read as ${format}: ${engineMessage(e)}`);
  }
  let delimiter: string | undefined;
  const formats = new Map<string, string>();
  if (format === 'csv') {
    const sniff = await db.one<{ Delimiter: string; DateFormat: string | null; TimestampFormat: string | null }>(`SELECT Delimiter, DateFormat, TimestampFormat FROM sniff_csv(${pathLit(path)})`);
    delimiter = sniff.Delimiter;
    if (sniff.DateFormat) formats.set('DATE', sniff.DateFormat);
    if (sniff.TimestampFormat) formats.set('TIMESTAMP', sniff.TimestampFormat);
  }
  const stats = await db.one<Record<string, number>>(`SELECT count(*) AS __rows, ${described.map((c, i) => `count(*) - count(${JSON.stringify(c.name).replace(/^"|"$/g, '"')}) AS n${i}`).join(', ')} FROM ${reader}`);
  const used = new Set<string>();
  const columns: InferredColumn[] = described.map((c, i) => {
    let name = snakeCase(c.name);
    while (used.has(name)) name = `${name}_2`;
    used.add(name);
    const lt = logicalType(c.type);
    const fmt = formats.get(c.type.startsWith('TIMESTAMP') ? 'TIMESTAMP' : c.type);
    return {
      name,
      ...(name !== c.name ? { from: c.name } : {}),
      type: lt.type,
      required: Number(stats[`n${i}`]) === 0 && Number(stats.__rows) > 0,
      ...(fmt && !/^%Y-%m-%d/.test(fmt) ? { format: fmt } : {}),
      ...(lt.note ? { note: lt.note } : {}),
    };
  });
  const temporal = columns.find((c) => c.type === 'timestamp' && c.required) ?? columns.find((c) => c.type === 'timestamp' || c.type === 'date');
  return {
    dataset, format, ...(delimiter ? { delimiter } : {}), columns, rows: Number(stats.__rows),
    ...(temporal ? { partition: { name: 'dt', column: temporal.name, transform: temporal.type === 'date' ? 'month' : 'day' } } : {}),
  };
}

/** The draft as YAML, with comments that say what to check. */
export function renderSchemaYaml(s: InferredSchema, sample: string): string {
  const doc = new Document({
    dataset: s.dataset,
    description: `TODO: what ${s.dataset} holds`,
    owner: 'TODO: team or e-mail',
    source: {
      format: s.format,
      ...(s.format === 'csv' ? { csv: { delimiter: s.delimiter ?? ',', header: true } } : {}),
    },
    columns: s.columns.map((c) => ({
      name: c.name, type: c.type, ...(c.from ? { from: c.from } : {}), ...(c.required ? { required: true } : {}), ...(c.format ? { format: c.format } : {}),
    })),
    mode: 'append',
    ...(s.partition ? { partitionBy: [s.partition] } : {}),
    rejects: { maxRatio: 0.05 },
  });
  doc.commentBefore = [
    ` yaml-language-server: $schema=../core/schema/dataset.schema.json`,
    ` Drafted by strata init from ${basename(sample)} (${s.rows} rows). Check the types, the required flags`,
    ` (set where the sample had no NULL), the partition, and add checks (allowed, min, max, pattern).`,
  ].join('\n');
  const cols = doc.get('columns');
  if (cols && typeof cols === 'object' && 'items' in cols) {
    (cols as { items: unknown[] }).items.forEach((item, i) => {
      const note = s.columns[i]?.note;
      if (note && isMap(item)) item.comment = ` ${note}`;
    });
  }
  for (const item of (doc.get('columns') as { items: Array<{ flow?: boolean }> }).items) item.flow = true;
  return doc.toString({ lineWidth: 120 });
}
