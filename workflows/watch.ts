// strata dev: the local bronze folder stands in for S3 events. A file that appears (written in place or renamed
// in) starts one execution of its dataset's state machine once its size has stopped changing. The run reads a copy
// kept as a bronze object (bronze/<dataset>/_objects/<content id>/<name>), as S3 keeps each version of a key: a
// file written again under the same name is a new object, and the earlier one keeps the bytes its run read.
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RunRecord } from '../runtime/runs/record.ts';
import { BRONZE_OBJECTS } from '../core/plan/layout.ts';
import type { LocalCompaction } from './compact-local.ts';
import { ingestFile, type IngestOptions } from './ingest-local.ts';
import type { LocalLake } from './lake.ts';

export interface WatchEvents {
  started?: (key: string, dataset: string) => void;
  finished?: (record: RunRecord) => void;
  /** A compaction that followed a run (the dataset's policy found a partition due). */
  compacted?: (compaction: LocalCompaction) => void;
  ignored?: (key: string, why: string) => void;
  error?: (key: string, error: Error) => void;
}

export interface WatchOptions {
  /** Executions running at once (default 2: DuckDB already uses every core of one). */
  concurrency?: number;
  /** How long a file's size must stay the same before it is ingested (ms). */
  settleMs?: number;
  /** How often a settling file's size is looked at (ms); settleMs counts these looks, not the wall clock. */
  pollMs?: number;
  ingest?: IngestOptions;
  /** The timers that schedule those looks (default: the global setTimeout/clearTimeout; tests step them by hand). */
  timers?: WatchTimers;
}

/** setTimeout and clearTimeout, or a stand-in that fires the scheduled looks when a test says so. */
export interface WatchTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: WatchTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class BronzeWatcher {
  private readonly lake: LocalLake;
  private readonly events: WatchEvents;
  private readonly opts: Required<Omit<WatchOptions, 'ingest' | 'timers'>> & { ingest: IngestOptions };
  private readonly timers: WatchTimers;
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, unknown>();
  /** Keys between their first event and the moment they run (or vanish): what `busy` counts. */
  private readonly settling = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly queue: Array<() => void> = [];
  private readonly reported = new Set<string>();
  private readonly seen = new Map<string, string>();
  private active = 0;
  private seq = 0;
  private stopping = false;

  constructor(lake: LocalLake, events: WatchEvents = {}, opts: WatchOptions = {}) {
    this.lake = lake;
    this.events = events;
    this.opts = { concurrency: opts.concurrency ?? 2, settleMs: opts.settleMs ?? 500, pollMs: opts.pollMs ?? 150, ingest: opts.ingest ?? {} };
    this.timers = opts.timers ?? realTimers;
  }

  get bronzeDir(): string {
    return join(this.lake.dir, 'bronze');
  }

  async start(): Promise<void> {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(this.bronzeDir, { recursive: true });
    for (const p of this.lake.plans) await mkdir(join(this.bronzeDir, p.dataset), { recursive: true });
    this.watcher = watch(this.bronzeDir, { recursive: true }, (_type, name) => {
      if (name) this.consider(name.toString());
    });
  }

  /** Stop watching; wait for running executions to finish (they are never cut half-way). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.watcher?.close();
    for (const t of this.pending.values()) this.timers.clear(t);
    this.pending.clear();
    this.settling.clear();
    this.queue.length = 0;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Number of executions running or waiting for a slot. */
  get busy(): number {
    return this.active + this.queue.length + this.settling.size;
  }

  private consider(name: string): void {
    if (this.stopping) return;
    const rel = name.split(sep).join('/');
    const base = rel.split('/').pop() ?? '';
    if (!base || base.startsWith('.')) return; // temp files of writers (and of our own putFile)
    const key = `bronze/${rel}`;
    const [dataset = '', first] = rel.split('/');
    if (!rel.includes('/') || first === BRONZE_OBJECTS) return; // objects strata keeps (its own copies, strata ingest)
    if (!this.lake.plans.some((p) => p.dataset === dataset)) {
      if (!this.reported.has(dataset)) {
        this.reported.add(dataset);
        this.events.ignored?.(key, `no schema defines dataset "${dataset}"; files under bronze/${dataset}/ are left alone`);
      }
      return;
    }
    const prev = this.pending.get(key);
    if (prev) this.timers.clear(prev);
    this.settling.add(key);
    this.pending.set(key, this.timers.set(() => void this.settle(key, dataset, -1, 0), this.opts.pollMs));
  }

  /** Wait until size and mtime stay the same for settleMs, then run it. */
  private async settle(key: string, dataset: string, lastSize: number, stableFor: number): Promise<void> {
    this.pending.delete(key);
    if (this.stopping) { this.settling.delete(key); return; }
    const s = await stat(join(this.lake.dir, key)).catch(() => undefined);
    if (this.pending.has(key)) return; // a newer event restarted the wait meanwhile
    if (!s || !s.isFile()) { this.settling.delete(key); return; } // deleted or renamed away before it settled
    const signature = `${s.size}:${s.mtimeMs}`;
    if (s.size === lastSize && stableFor + this.opts.pollMs >= this.opts.settleMs) {
      this.settling.delete(key);
      if (this.seen.get(key) === signature) return; // the same bytes already ran (a second event for one write)
      this.seen.set(key, signature);
      this.schedule(key, dataset);
      return;
    }
    const nextStable = s.size === lastSize ? stableFor + this.opts.pollMs : 0;
    this.pending.set(key, this.timers.set(() => void this.settle(key, dataset, s.size, nextStable), this.opts.pollMs));
  }

  private schedule(key: string, dataset: string): void {
    const run = () => {
      const id = `${key}#${++this.seq}`;
      this.active++;
      this.events.started?.(key, dataset);
      const name = key.slice(`bronze/${dataset}/`.length);
      const p = ingestFile(this.lake, dataset, join(this.lake.dir, key), { ...this.opts.ingest, name })
        .then(({ record, compactions }) => {
          this.events.finished?.(record);
          for (const c of compactions ?? []) this.events.compacted?.(c);
        })
        .catch((e: Error) => this.events.error?.(key, e))
        .finally(() => {
          this.active--;
          this.running.delete(id);
          const next = this.queue.shift();
          if (next) next();
        });
      this.running.set(id, p);
    };
    if (this.active < this.opts.concurrency) run();
    else this.queue.push(run);
  }

  /** For tests: resolve when nothing is pending or running. */
  async idle(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.busy > 0 || this.running.size > 0) {
      if (Date.now() > until) throw new Error('watcher did not become idle');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  relativeKey(path: string): string {
    return relative(this.lake.dir, path).split(sep).join('/');
  }
}
