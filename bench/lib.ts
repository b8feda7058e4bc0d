// Benchmark plumbing: data preparation, timing (median of runs), child processes for peak memory.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { withDuck, pathLit } from '../runtime/engine/duckdb.ts';
import { vegaDataDir } from '../cli/commands/demo.ts';
import { ingestKey } from '../workflows/ingest-local.ts';
import { openLocalLake, type LocalLake } from '../workflows/lake.ts';

export const DATA = resolve('bench/.data');
export const WORK = resolve('bench/.work');

export async function median(runs: number, fn: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await fn());
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** flights-3m.parquet (vega-datasets) as CSV, and slices of it, made once. */
export async function flightsCsv(rows: number): Promise<string> {
  await mkdir(DATA, { recursive: true });
  const file = join(DATA, `flights-${rows}.csv`);
  if (!existsSync(file)) {
    await withDuck((db) => db.run(`COPY (SELECT * FROM read_parquet(${pathLit(join(vegaDataDir(), 'flights-3m.parquet'))}) LIMIT ${rows}) TO ${pathLit(file)} (HEADER)`));
  }
  return file;
}

/**
 * An empty folder bench/.work/<name>. What was there is moved into bench/.work/.trash (a rename), deleted by
 * emptyTrash when the bench ends, not while it measures: on an ext4 without a journal (this machine's disk) the
 * kernel skips inodes freed in the last 60 seconds, 360 while their inode table block is not yet written back,
 * when it allocates one (fs/ext4/ialloc.c find_inode_bit → recently_deleted, RECENTCY_MIN 60 + RECENTCY_DIRTY 300:
 * each candidate's inode table block is looked up), so a run that creates thousands of files right after
 * tens of thousands were deleted spends seconds in the kernel: a 8,784-partition bare COPY took 1.8 s after a quiet
 * minute and 14–17 s right after the previous one's output was deleted (nearly all of it system time, by perf).
 * The bench's own housekeeping is not what a user's command pays; what a measured command deletes itself (strata's
 * staging) stays in what the commands after it pay (bench/partitions.ts shows each process's system time).
 */
export async function freshDir(name: string): Promise<string> {
  const d = join(WORK, name);
  if (existsSync(d)) {
    await mkdir(TRASH, { recursive: true });
    await rename(d, join(TRASH, `${name.replace(/[\\/]/g, '_')}-${Date.now()}-${trashed++}`));
  }
  await mkdir(d, { recursive: true });
  return d;
}

const TRASH = join(WORK, '.trash');
let trashed = 0;

/** Delete what freshDir moved aside (the bench's end); returns whether there was anything. */
export async function emptyTrash(): Promise<boolean> {
  if (!existsSync(TRASH)) return false;
  await rm(TRASH, { recursive: true, force: true });
  return true;
}

const exec = promisify(execFile);

/** Run a bench script in its own process (for peak RSS); it prints one JSON line. */
export async function child<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await exec(process.execPath, [resolve(script), ...args], { maxBuffer: 16 << 20, env: { ...process.env, STRATA_LOG_LEVEL: 'SILENT' } });
  const last = stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as T;
}

export interface ProcessTime {
  wallMs: number;
  /** User + system CPU of the process and its children (undefined without /usr/bin/time). */
  cpuMs?: number;
  /** The system (kernel) part of cpuMs. */
  sysMs?: number;
  /** Peak resident memory of the largest process in the tree (undefined without /usr/bin/time). */
  maxRssMB?: number;
}

const TIME = '/usr/bin/time'; // GNU time (Debian package "time"): CPU and peak RSS of a whole process tree

/**
 * A command as a user runs it in a shell, timed as a whole process: the environment without what `npm run bench`
 * adds (node_modules/.bin first on PATH, npm_* variables), so `npx` itself runs on the machine's Node as it does for
 * a user. Rejects when the command fails.
 */
export async function timeProcess(command: string, args: string[], env: Record<string, string> = {}): Promise<ProcessTime> {
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes(join('node_modules', '.bin')) && !p.includes('node-gyp-bin'));
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  const out = join(WORK, `.time-${process.pid}`);
  await mkdir(WORK, { recursive: true });
  const withTime = existsSync(TIME);
  const [cmd, argv] = withTime ? [TIME, ['-f', '%U %S %M', '-o', out, command, ...args]] : [command, args];
  const t = performance.now();
  await new Promise<void>((res, rej) => {
    const p = spawn(cmd, argv, { env: { ...base, PATH: path.join(delimiter), STRATA_LOG_LEVEL: 'SILENT', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res() : rej(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  });
  const wallMs = performance.now() - t;
  if (!withTime) return { wallMs };
  const [user, sys, rssKB] = (await readFile(out, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
  return { wallMs, cpuMs: (user + sys) * 1000, sysMs: sys * 1000, maxRssMB: rssKB / 1024 };
}

/** min/median/max of a list. */
export function spread(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

export const FLIGHTS_SCHEMA = `dataset: flights_bench
source: { format: csv }
columns:
  - { name: date, type: timestamp, required: true }
  - { name: delay, type: int }
  - { name: distance, type: int, min: 0 }
  - { name: origin, type: string, required: true, pattern: "[A-Z0-9]{3}" }
  - { name: destination, type: string, required: true, pattern: "[A-Z0-9]{3}" }
mode: append
partitionBy:
  - { name: dt, column: date, transform: day }
rejects: { maxRatio: 0.01 }
`;

export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** A fresh lake in bench/.work/<folder> with one dataset, flights_bench (FLIGHTS_SCHEMA or a variant), and `file` in its bronze. */
export async function flightsLake(file: string, folder: string, schema = FLIGHTS_SCHEMA): Promise<{ lake: LocalLake; key: string }> {
  const dir = await freshDir(folder);
  await mkdir(join(dir, 'schemas'), { recursive: true });
  await writeFile(join(dir, 'schemas', 'flights_bench.yaml'), schema);
  const lake = await openLocalLake({ lake: join(dir, 'lake'), schemas: join(dir, 'schemas') });
  const key = 'bronze/flights_bench/flights.csv';
  await lake.storage.putFile(key, file);
  return { lake, key };
}

/** Milliseconds to ingest the lake's bronze object through the state machine; a run that does not succeed throws. */
export async function timedIngest(lake: LocalLake, key: string): Promise<number> {
  const t = performance.now();
  const { record } = await ingestKey(lake, 'flights_bench', key);
  if (record.status !== 'SUCCEEDED') throw new Error(record.error?.message);
  return performance.now() - t;
}

/** A command timed as whole processes: its label, a note after its figures, and its runs. */
export interface Row { label: string; note: string; times: ProcessTime[] }

/** A row as the bench prints it: wall min/median/max, median CPU, peak RSS, then `extra` and the note. */
export function line(r: Row, extra = ''): string {
  const w = spread(r.times.map((t) => t.wallMs));
  const cpu = r.times.every((t) => t.cpuMs !== undefined) ? spread(r.times.map((t) => t.cpuMs!)).median : undefined;
  const rss = r.times.every((t) => t.maxRssMB !== undefined) ? Math.max(...r.times.map((t) => t.maxRssMB!)) : undefined;
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return `    ${r.label.padEnd(44)} ${s(w.min)}/${s(w.median)}/${s(w.max)} s`
    + `${cpu === undefined ? '' : `  cpu ${s(cpu)} s`}${rss === undefined ? '' : `  ${rss.toFixed(0).padStart(4)} MB`}${extra}${r.note ? `  ${r.note}` : ''}`;
}

/** A row's median wall time, ms. */
export const wallMedian = (r: Row): number => spread(r.times.map((t) => t.wallMs)).median;

/** Each command once untimed (Node fills its compile cache; npx -p . links the project into its cache), then `runs` interleaved rounds. */
export async function interleave(runs: number, rows: Array<Row & { run: () => Promise<ProcessTime> }>): Promise<void> {
  for (const r of rows) await r.run();
  for (let i = 0; i < runs; i++) for (const r of rows) r.times.push(await r.run());
}
