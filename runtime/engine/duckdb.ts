// A DuckDB session: one in-memory database per unit of work, configured for the lake (UTC, bounded memory,
// spill to a temp folder), on an instance of its own that the next unit of the same configuration may reuse
// (withDuck, Duck.lease). Everything row-shaped happens inside it; JavaScript only sees summaries.
// A database that runs user-written SQL (quality gates, gold refreshes) is opened on its own with a thread budget
// (withUserSqlDuck) and locked once its views exist (Duck.lockdown): only the files it was given are readable, only
// its output folder writable, configuration locked, one statement at a time (a SELECT, unless strata's own: own()),
// each interrupted past its time budget or past the memory its function has (a statement growing the process with
// values DuckDB's memory_limit does not count, such as strings built by lpad or repeat).
import { DuckDBInstance, JSDuckDBValueConverter, StatementType, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import * as duckdbAccessors from '@duckdb/node-api/lib/vectors/dataAccessors.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { duckdbMemoryMb } from '../../core/plan/sizing.ts';
import { plain } from '../../core/sql/binder.ts';
import { str } from '../../core/sql/quote.ts';
import { exactConverter, metricConverter, type ExactValue } from './exact-values.ts';
import type { Binary32 } from '../../core/dqdl/exact.ts';

// @duckdb/node-api decodes every VARCHAR with `new TextDecoder()`, which drops a leading U+FEFF (the WHATWG decoder
// strips a byte-order mark unless told not to): a value '\ufeffa' read back as 'a', so `strata query` showed another
// value, and a partition key read from COPY's RETURN_STATS named the folder of another value (a BOM-prefixed
// '__HIVE_DEFAULT_PARTITION__' that of NULL). Its string accessor reads the decoder from its module's exports at each
// call; one that keeps the BOM is put there. Default import: the CommonJS module's exports object, in Node and bundled.
(duckdbAccessors as unknown as { default: { textDecoder: unknown } }).default.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

export interface DuckOptions {
  /** e.g. "768MB". Default: STRATA_DUCKDB_MEMORY or 768MB (fits a 1,769 MB Lambda with room for Node). */
  memoryLimit?: string;
  threads?: number;
  /**
   * Folder under which the instance spills, into a folder of its own (spillFolder). Default: <tmp>/strata-duckdb.
   */
  tempDirectory?: string;
  /**
   * Most DuckDB may spill there, e.g. "1024MB" (DuckDB's max_temp_directory_size; default: 90% of the free disk).
   * A step gets its share of the function's /tmp (core/plan/sizing.ts duckdbTempMb) in Lambda and locally alike, so a
   * spill that would fill /tmp fails with DuckDB's quota error, in both.
   */
  maxTempDirectorySize?: string;
  /** Open a database file instead of an in-memory database. */
  path?: string;
  readOnly?: boolean;
  /**
   * Set where no DuckDB may be opened (a step sized without it, see core/plan/sizing.ts): opening one throws this
   * message, so a step that starts using DuckDB fails locally before it runs out of memory in Lambda.
   */
  unavailable?: string;
  /**
   * Time budget of one user-SQL statement, in ms (a locked database interrupts it after). Default: the step's
   * function timeout (core/plan/sizing.ts; statementBudgetMs), so what would time out in AWS stops locally too.
   */
  statementTimeoutMs?: number;
  /**
   * The DuckDB budget of one step invocation (the local executor gives each its own): every database it opens has the
   * step's whole memory limit and spill quota, so its units of work must run one at a time; one begun while another of
   * the same invocation works on another instance throws (DuckBudget.enter).
   */
  budget?: DuckBudget;
}

/**
 * One step invocation's DuckDB budget: the instances its units of work use at this moment. A step's function has one
 * memory and one /tmp (core/plan/sizing.ts), and each database strata opens for it gets the whole of the DuckDB share
 * (memory_limit, max_temp_directory_size), so two at once could use twice what the function has: in Lambda an
 * out-of-memory end or a full /tmp that no DuckDB limit names. Sessions of one shared instance share its limits and
 * count once. The local executor gives each step invocation a budget (workflows/local.ts stepContext), so a step that
 * works on two instances at once fails locally, naming itself, on every run that does so, whatever the data's size.
 */
export class DuckBudget {
  /** Instances in use, with how many units of work use each. */
  private readonly inUse = new Map<DuckDBInstance, number>();
  /** What the budget is of, as messages name it ("the commit step of orders"). */
  readonly step: string;
  constructor(step: string) {
    this.step = step;
  }

  /** A unit of work begins on `instance`; throws when another instance of this budget is in use. */
  enter(instance: DuckDBInstance, memoryLimit: string | undefined): void {
    if (this.inUse.size && !this.inUse.has(instance)) {
      throw new Error(`${this.step} began DuckDB work on a second database while its first was in use: each has the step's whole memory limit`
        + `${memoryLimit ? ` (${memoryLimit})` : ''} and /tmp quota, so together they may use more than its function has (core/plan/sizing.ts); run its units of work one after another`);
    }
    this.inUse.set(instance, (this.inUse.get(instance) ?? 0) + 1);
  }

  /** A unit of work on `instance` ended. */
  leave(instance: DuckDBInstance): void {
    const n = (this.inUse.get(instance) ?? 1) - 1;
    if (n > 0) this.inUse.set(instance, n);
    else this.inUse.delete(instance);
  }
}

/** What a locked database may touch (Duck.lockdown). */
export interface Lockdown {
  /** Files user SQL may read: exactly those the views were created over. */
  readable: readonly string[];
  /** Folders it may write into (a gold refresh's output folder); none by default. */
  writable?: readonly string[];
  /** Longest a statement may run, in ms; it is interrupted after. */
  timeoutMs: number;
  /**
   * The memory of the step's function (MB): a statement that grows this process by more than such a function has
   * beyond its own start (FUNCTION_START_MB) is interrupted, as Lambda would end the function (Runtime.OutOfMemory).
   * DuckDB's memory_limit counts its buffers, not every value a statement builds (strings from lpad, repeat, ||).
   */
  memoryMb?: number;
}

export type Row = Record<string, unknown>;

export class Duck {
  private readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;
  /** A session on a shared instance: closing it detaches its database and closes the connection only. */
  private readonly session: string | undefined;
  /** Set by lockdown: statements past it are interrupted. */
  private timeoutMs: number | undefined;
  /** Set by lockdown: statements that grow the process by more bytes are interrupted. */
  private growthLimit: number | undefined;
  private locked = false;
  /** A session of an instance locked to this folder (Duck.lockedSession), and that instance's bookkeeping. */
  private readonly lockedTo: { root: string; entry: LockedInstance } | undefined;
  /** A leased instance (Duck.lease): the configuration key of the idle instances it may go back to. */
  private readonly leasedFrom: string | undefined;
  private released = false;
  /** Whether a statement ran that may change what instanceState looks at (leavesInstance); only those are looked for. */
  private touched = false;
  /** The step invocation's budget this database's units of work count against (DuckOptions.budget), and its limit. */
  private budget: { of: DuckBudget; memoryLimit: string | undefined } | undefined;

  private constructor(instance: DuckDBInstance, conn: DuckDBConnection, session?: string, lockedTo?: { root: string; entry: LockedInstance }, leasedFrom?: string) {
    this.instance = instance;
    this.conn = conn;
    this.session = session;
    this.lockedTo = lockedTo;
    this.leasedFrom = leasedFrom;
  }

  /**
   * A database for one unit of work, as Duck.open gives (an instance of these options to itself: its memory limit,
   * threads and spill folder), on an idle instance of the same options when there is one (withDuck). Creating an
   * instance cost 25–60 ms of a 2-row ingest's 250–400 ms (2026-12-02). The work gets its own connection and its own
   * empty in-memory database, made the default and detached with everything in it on release; release(true) (use(),
   * when the work succeeded) gives the instance back to the idle ones only if its global settings, attached databases
   * and own database are as they were when it was created (instanceState, ~4 ms, looked at only after a statement that
   * may have changed them: leavesInstance), else, and after a failure or a lockdown, the instance is closed. At most
   * IDLE_PER_KEY idle instances per configuration are kept, each closed after IDLE_MS unused. A file database (path,
   * readOnly) is opened as by open().
   */
  static async lease(opts: DuckOptions = {}): Promise<Duck> {
    if (opts.path || opts.readOnly) return Duck.open(opts);
    if (opts.unavailable) throw new Error(opts.unavailable);
    const key = configKey(opts);
    let instance = takeIdle(key);
    if (!instance) {
      const created = await Duck.open(opts);
      instance = created.instance;
      // No file data kept from one unit to the next: a unit reads every file as a fresh instance would.
      await created.conn.run('SET GLOBAL enable_external_file_cache = false');
      created.conn.closeSync();
      stateAtCreation.set(instance, await instanceState(instance));
    }
    const { conn, name } = await ownDatabase(instance, 'unit').catch((e: unknown) => {
      instance.closeSync();
      throw e;
    });
    return new Duck(instance, conn, name, undefined, key).counted(opts);
  }

  /**
   * A session on this process's shared in-memory instance for these options: its own connection and its own empty
   * database (made the default, detached on close), so it sees nothing of other sessions, and its temp tables are
   * its own. Creating an instance costs 10–20 ms, a fifth of an incremental gold refresh; a session costs ~1 ms.
   * The instance keeps no file data between sessions (external file cache off): a session reads as a fresh one would.
   */
  static async session(opts: Omit<DuckOptions, 'path' | 'readOnly'> = {}): Promise<Duck> {
    if (opts.unavailable) throw new Error(opts.unavailable);
    const instance = await Duck.sharedInstance(opts);
    const { conn, name } = await ownDatabase(instance, 'session');
    return new Duck(instance, conn, name).counted(opts);
  }

  /**
   * Start creating the shared instance of these options (Duck.session) if there is none yet, without waiting: DuckDB
   * creates it off the main thread (20–40 ms), so work that will need a session soon gets it ready meanwhile.
   */
  static prewarm(opts: Omit<DuckOptions, 'path' | 'readOnly'> = {}): void {
    if (!opts.unavailable) Duck.sharedInstance(opts).catch(() => undefined);
  }

  private static sharedInstance(opts: Omit<DuckOptions, 'path' | 'readOnly'>): Promise<DuckDBInstance> {
    const key = configKey(opts);
    let instance = sharedInstances.get(key);
    if (!instance) {
      instance = Duck.open(opts).then(async (d) => {
        await d.run('SET GLOBAL enable_external_file_cache = false');
        d.conn.closeSync(); // the instance lives on, for sessions
        return d.instance;
      });
      sharedInstances.set(key, instance);
      instance.catch(() => sharedInstances.delete(key));
    }
    return instance;
  }

  /**
   * A session for user SQL on this process's shared instance locked to the folder `root`: that instance reads and
   * writes nothing outside root (allowed_directories), has external access off and its configuration locked, all set
   * when it was created, since a lock cannot be undone (so an instance serves one root; the two most recent are
   * kept). It costs what a session costs (~1 ms) where a locked database of its own costs an instance (10–20 ms),
   * for the steps that run often and must stay light (gold refreshes). lockdown() then starts the one-statement
   * rule and the time budget, as on a database of its own.
   */
  static async lockedSession(root: string, opts: Omit<DuckOptions, 'path' | 'readOnly'> = {}): Promise<Duck> {
    if (opts.unavailable) throw new Error(opts.unavailable);
    const dir = root.endsWith('/') ? root : `${root}/`;
    const key = JSON.stringify([dir, configKey(opts)]);
    let entry = lockedInstances.get(key);
    if (!entry) {
      const instance = Duck.open(opts).then(async (d) => {
        await d.run(`SET GLOBAL TimeZone = 'UTC'; SET GLOBAL enable_external_file_cache = false; SET allowed_paths = []::VARCHAR[]; SET allowed_directories = [${str(dir)}]`);
        await d.run('SET enable_external_access = false; SET lock_configuration = true');
        d.conn.closeSync(); // the instance lives on, for sessions
        return d.instance;
      });
      entry = { instance, sessions: 0 };
      lockedInstances.set(key, entry);
      instance.catch(() => lockedInstances.delete(key));
      // Keep the two most recent roots; an older idle instance is closed (a busy one when its last session ends).
      for (const [k, e] of [...lockedInstances].slice(0, -2)) {
        lockedInstances.delete(k);
        e.retired = true;
        if (!e.sessions) void e.instance.then((i) => i.closeSync(), () => undefined);
      }
    }
    entry.sessions++;
    try {
      const conn = await (await entry.instance).connect();
      const name = `session_${++sessions}`;
      try {
        await conn.run(`ATTACH ':memory:' AS ${name}; USE ${name}`);
      } catch (e) {
        conn.closeSync();
        throw e;
      }
      return new Duck(await entry.instance, conn, name, { root: dir, entry }).counted(opts);
    } catch (e) {
      Duck.leave(entry);
      throw e;
    }
  }

  private static leave(entry: LockedInstance): void {
    entry.sessions--;
    if (entry.retired && !entry.sessions) void entry.instance.then((i) => i.closeSync(), () => undefined);
  }

  static async open(opts: DuckOptions = {}): Promise<Duck> {
    if (opts.unavailable) throw new Error(opts.unavailable);
    const tempDirectory = await spillFolder(opts.tempDirectory ?? join(tmpdir(), 'strata-duckdb'));
    const config: Record<string, string> = {
      memory_limit: opts.memoryLimit ?? process.env.STRATA_DUCKDB_MEMORY ?? '768MB',
      temp_directory: tempDirectory,
      // Offline by design: never try to download an extension at query time.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.readOnly) config.access_mode = 'READ_ONLY';
    const instance = await DuckDBInstance.create(opts.path ?? ':memory:', config);
    const conn = await instance.connect();
    // Lake timestamps are UTC; a reader's local zone must never shift them.
    await conn.run(`SET TimeZone = 'UTC'`);
    // Set, not given at creation: DuckDB 1.5.6 reports a max_temp_directory_size given in the instance's config but
    // does not enforce it (measured: 190 MB spilled under a 4 MB one); a SET is enforced (test/quotas.test.ts).
    if (opts.maxTempDirectorySize) await conn.run(`SET GLOBAL max_temp_directory_size = ${str(opts.maxTempDirectorySize)}`);
    return new Duck(instance, conn).counted(opts);
  }

  /** `sql`, noted as touching the instance unless leavesInstance says it cannot. */
  private noted(sql: string): string {
    if (!this.touched && !leavesInstance(sql)) this.touched = true;
    return sql;
  }

  /** Run SQL (on a locked database: exactly one SELECT). */
  async run(sql: string): Promise<void> {
    if (this.locked) await this.single(sql, [StatementType.SELECT]);
    else await this.timed(() => this.conn.run(this.noted(sql)));
  }

  /** Rows of SQL (on a locked database: exactly one SELECT). */
  async all<T extends object = Row>(sql: string): Promise<T[]> {
    const reader = this.locked ? await this.single(sql, [StatementType.SELECT]) : await this.timed(() => this.conn.runAndReadAll(this.noted(sql)));
    return reader.getRowObjectsJS().map((r) => plain(r) as T);
  }

  /**
   * On a locked database, one of strata's own statements that is not a SELECT — the CREATE of a table from user SQL,
   * the COPY of a result into the output folder: exactly one statement, of that kind. Its rows (COPY's RETURN_STATS).
   */
  async own<T extends object = Row>(sql: string, kind: 'CREATE' | 'COPY'): Promise<T[]> {
    const reader = await this.single(sql, [StatementType[kind]]);
    return reader.getRowObjectsJS().map((r) => plain(r) as T);
  }

  /**
   * Exactly one statement, of one of these kinds: DuckDB prepares one statement or refuses, so text spliced after a
   * ";" never runs, and a COPY, ATTACH, SET, PRAGMA, INSTALL or LOAD is not a SELECT.
   */
  private async single(sql: string, kinds: readonly StatementType[]): Promise<DuckDBResultReader> {
    return this.timed(async () => {
      const prepared = await this.conn.prepare(sql);
      try {
        if (!kinds.includes(prepared.statementType)) {
          throw new StrataError(ERRORS.InvalidInput, `a locked database runs ${kinds.map((k) => StatementType[k]).join(' or ')} statements only; this is a ${StatementType[prepared.statementType]} statement`);
        }
        return await prepared.runAndReadAll();
      } finally {
        prepared.destroySync();
      }
    });
  }

  /**
   * Lock this database for user-written SQL, once the views it needs exist. DuckDB 1.5 opens a view's files when the
   * view is queried, and with external access off only allowed_paths / allowed_directories can be opened: so the
   * readable files are listed exactly, the writable folders too, then external access goes off (no file, URL,
   * extension or attached database beyond those) and the configuration is locked (no SET, RESET or PRAGMA can undo
   * any of it, nor change the memory limit or threads set at open). From then on statements run one at a time, a
   * SELECT unless own() says otherwise. Irreversible; only on a database of its own.
   */
  async lockdown(l: Lockdown): Promise<void> {
    if (this.lockedTo) {
      // The instance is locked already, to its root: what this unit of work touches must lie under it.
      const outside = [...l.readable, ...(l.writable ?? [])].find((p) => !`${p}/`.startsWith(this.lockedTo!.root));
      if (outside !== undefined) throw new Error(`${outside} is outside ${this.lockedTo.root}, the folder this session's instance is locked to`);
      this.timeoutMs = l.timeoutMs;
      this.growthLimit = growthLimit(l.memoryMb);
      this.locked = true;
      return;
    }
    // A leased instance is this unit's alone: locking it is allowed, and it is closed, never reused, after (release).
    if (this.session && this.leasedFrom === undefined) throw new Error('a session of a shared instance cannot be locked: open a database of its own (withUserSqlDuck)');
    const list = (xs: readonly string[]) => `[${xs.map(str).join(', ')}]::VARCHAR[]`;
    await this.run(`SET allowed_paths = ${pathList(l.readable)}; SET allowed_directories = ${list((l.writable ?? []).map((d) => (d.endsWith('/') ? d : `${d}/`)))}`);
    await this.run('SET enable_external_access = false; SET lock_configuration = true');
    this.timeoutMs = l.timeoutMs;
    this.growthLimit = growthLimit(l.memoryMb);
    this.locked = true;
  }

  /**
   * Run a statement within the time budget and the memory budget, if there are: past either, the connection is
   * interrupted. Memory is the growth of the process's resident memory since the statement began, looked at every
   * MEMORY_SAMPLE_MS and once more when the statement ends; statements watched at once share the process, so each may
   * grow it by its limit times their number. Where Linux keeps the process's peak (peakRss), the peak is what is looked
   * at, so a growth between two looks is still seen: a statement that went past its budget only for a moment fails
   * as well, even if it ended, as Lambda would have ended its function at that moment.
   */
  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const ms = this.timeoutMs;
    const limit = this.growthLimit;
    if (!ms && !limit) return work();
    let fired = false;
    let grew: number | undefined;
    const timer = ms ? setTimeout(() => { fired = true; this.conn.interrupt(); }, ms) : undefined;
    // The kernel's peak is reset when no other statement is watched (one that is would lose the peak it has seen).
    if (limit && watched === 0) resetPeakRss();
    const start = limit ? process.memoryUsage.rss() : 0;
    if (limit) watched++;
    const look = () => {
      const g = Math.max(process.memoryUsage.rss(), peakRss() ?? 0) - start;
      if (g > limit! * watched && grew === undefined) grew = g;
      return grew !== undefined;
    };
    const sampler = limit ? setInterval(() => { if (look()) this.conn.interrupt(); }, MEMORY_SAMPLE_MS) : undefined;
    const tooMuch = () => {
      const mb = (b: number) => Math.round(b / 2 ** 20).toLocaleString('en-US');
      return new StrataError(ERRORS.InvalidInput, `the statement grew the process by ${mb(grew!)} MB, more than the ${mb(limit!)} MB its function has beyond its own start, `
        + 'and was stopped: in AWS Lambda it would end the function (Runtime.OutOfMemory). DuckDB\'s memory limit does not count every value a statement builds (long strings from lpad, repeat or ||)');
    };
    try {
      const result = await work();
      if (limit && look()) throw tooMuch();
      return result;
    } catch (e) {
      if (grew !== undefined) throw tooMuch();
      if (fired) throw new StrataError(ERRORS.InvalidInput, `the statement ran longer than its time budget (${ms! / 1000} s) and was stopped`);
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      if (sampler) { clearInterval(sampler); watched--; }
    }
  }

  /**
   * Rows of SQL with only the named columns (as Duck.all converts them; a column the result lacks is undefined). For
   * results of many rows whose other columns are large: COPY … RETURN_STATS gives every file written its column
   * statistics, about 8 KB of JS heap a file once converted (390 MB for 50,016 files), when a write needs four columns.
   */
  async allOf<T extends object>(sql: string, columns: ReadonlyArray<keyof T & string>): Promise<T[]> {
    const reader = this.locked ? await this.single(sql, [StatementType.SELECT]) : await this.timed(() => this.conn.runAndReadAll(this.noted(sql)));
    const names = reader.columnNames();
    const picked = columns.map((c) => ({ c, i: names.indexOf(c) })).filter((x) => x.i >= 0);
    const rows: T[] = [];
    for (let r = 0; r < reader.currentRowCount; r++) {
      const row: Record<string, unknown> = {};
      for (const { c, i } of picked) row[c] = JSDuckDBValueConverter(reader.value(i, r), reader.columnType(i), JSDuckDBValueConverter);
      rows.push(plain(row) as T);
    }
    return rows;
  }

  /**
   * Rows for people: every value exact (see exact-values.ts), for query output. Duck.all is for internal use. Each
   * column is an own property of its row under its name as DuckDB gives it, `__proto__` included (an assignment would
   * set the row's prototype and drop the column). Errors: Strata.InvalidInput when two columns have the same name,
   * which an object cannot hold (the client renamed the second `a:1`, hiding a column really named so).
   */
  async exact(sql: string): Promise<Array<Record<string, ExactValue>>> {
    return (await this.exactResult(sql)).rows;
  }

  /** How many SQL statements `sql` holds, as DuckDB's parser splits it ("select 1;" is one); DuckDB's error when it does not parse. */
  async statementCount(sql: string): Promise<number> {
    return (await this.conn.extractStatements(sql)).count;
  }

  /** The kind of one statement ('SELECT', 'COPY', 'EXPLAIN', …), as DuckDB prepares it; nothing runs. */
  async statementKind(sql: string): Promise<string> {
    const prepared = await this.conn.prepare(sql);
    try {
      return StatementType[prepared.statementType];
    } finally {
      prepared.destroySync();
    }
  }

  /**
   * Duck.exact with the result's column names in their order: a row's keys are in JS's order, which puts names that
   * read as integers ("0", "1") first, so printers go by `columns`. Errors as Duck.exact.
   */
  async exactResult(sql: string, opts: { explain?: boolean } = {}): Promise<{ columns: string[]; rows: Array<Record<string, ExactValue>> }> {
    const reader = this.locked ? await this.single(sql, opts.explain ? [StatementType.SELECT, StatementType.EXPLAIN] : [StatementType.SELECT]) : await this.timed(() => this.conn.runAndReadAll(this.noted(sql)));
    const names = reader.columnNames();
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
      throw new StrataError(ERRORS.InvalidInput, `the query's result has two columns named ${JSON.stringify(twice)}: give each its own name (… AS ${JSON.stringify(`${twice}_2`)})`);
    }
    const rows = (reader.convertRows(exactConverter) as Array<Array<ExactValue | null>>).map((values) => {
      const row: Record<string, ExactValue> = {};
      names.forEach((n, i) => Object.defineProperty(row, n, { value: values[i], enumerable: true, writable: true, configurable: true }));
      return row;
    });
    return { columns: names, rows };
  }

  /** Rows of quality metrics: as Duck.exact, but a DOUBLE as its JS number and a FLOAT as a Binary32 (exact-values.ts metricConverter). */
  async metrics(sql: string): Promise<Array<Record<string, ExactValue | number | Binary32>>> {
    const reader = this.locked ? await this.single(sql, [StatementType.SELECT]) : await this.timed(() => this.conn.runAndReadAll(this.noted(sql)));
    return reader.convertRowObjects(metricConverter) as Array<Record<string, ExactValue | number | Binary32>>;
  }

  async one<T extends object = Row>(sql: string): Promise<T> {
    const rows = await this.all<T>(sql);
    if (!rows[0]) throw new Error(`query returned no row: ${sql.slice(0, 120)}`);
    return rows[0];
  }

  async columns(sql: string): Promise<Array<{ name: string; type: string }>> {
    const rows = await this.all<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`);
    return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
  }

  close(): void {
    if (this.session) {
      void this.release();
      return;
    }
    try { this.conn.closeSync(); } catch { /* already closed */ }
    try { this.instance.closeSync(); } catch { /* already closed */ }
  }

  /**
   * Close; for a session, after its database is detached (freed). The connection's temp objects go with it. A leased
   * instance (Duck.lease) goes back to the idle ones when `reusable` (its work succeeded), it was not locked and its
   * state (instanceState) is as created, which is looked at only when a statement of the unit may have changed it
   * (leavesInstance); otherwise it is closed. Only the first call does anything.
   */
  async release(reusable = false): Promise<void> {
    if (!this.session) return this.close();
    if (this.released) return;
    this.released = true;
    const detached = await this.detach(this.session).then(() => true, () => false); // closing anyway
    if (this.leasedFrom !== undefined) {
      try { this.conn.closeSync(); } catch { /* already closed */ }
      const keep = reusable && detached && !this.locked
        && (!this.touched || (await instanceState(this.instance).catch(() => undefined)) === stateAtCreation.get(this.instance));
      const idle = idleInstances.get(this.leasedFrom) ?? [];
      if (keep && idle.length < IDLE_PER_KEY) idleUntilClosed(this.leasedFrom, this.instance);
      else try { this.instance.closeSync(); } catch { /* already closed */ }
      return;
    }
    try { this.conn.closeSync(); } catch { /* already closed */ }
    if (this.lockedTo) Duck.leave(this.lockedTo.entry);
  }

  /**
   * Detach a database attached to this session's instance, whatever state this connection is in: here after USE
   * memory, else on a fresh connection of the instance. A database whose write failed (a checkpoint on a full disk)
   * is invalidated by DuckDB, and the connection it is the default of can then neither leave it (USE fails) nor
   * detach it (it is the default); another connection can (measured with DuckDB 1.5.6). When that fails too, the
   * shared instance is retired: later sessions get a new one, and this one keeps the database until the process ends.
   * Rejects with DuckDB's error in that case.
   */
  async detach(name: string): Promise<void> {
    try {
      await this.conn.run(`USE memory; DETACH ${name}`);
      return;
    } catch { /* below */ }
    const other = await this.instance.connect();
    try {
      await other.run(`DETACH DATABASE IF EXISTS ${name}`);
    } catch (e) {
      for (const [k, p] of sharedInstances) void p.then((i) => { if (i === this.instance && sharedInstances.get(k) === p) sharedInstances.delete(k); }, () => undefined);
      throw e;
    } finally {
      other.closeSync();
    }
  }

  /** fn, then release (a leased instance may be reused only when fn succeeded). */
  async use<T>(fn: (db: Duck) => Promise<T>): Promise<T> {
    let ok = false;
    let entered = false;
    try {
      this.budget?.of.enter(this.instance, this.budget.memoryLimit);
      entered = true;
      const result = await fn(this);
      ok = true;
      return result;
    } finally {
      if (entered) this.budget?.of.leave(this.instance);
      await this.release(ok);
    }
  }

  /** This database counted against `opts.budget` (or no budget) when a unit of work uses it (use()); returns it. */
  counted(opts: DuckOptions): this {
    this.budget = opts.budget ? { of: opts.budget, memoryLimit: opts.memoryLimit } : undefined;
    return this;
  }
}

let spillFolders = 0;
const swept = new Set<string>();

/**
 * The folder one DuckDB instance spills into: <parent>/<pid>-<n>, its own. DuckDB names its spill files the same in
 * every instance (duckdb_temp_storage_DEFAULT-0.tmp, …), so two instances spilling into one folder at once overwrite
 * each other's blocks: measured with DuckDB 1.5.6, two processes sorting past their memory limit in a shared folder
 * both died with a segmentation fault in 5 runs out of 5, and never in their own folders (test/quotas.test.ts). DuckDB makes the folder when it first
 * spills and removes it when the instance closes; the parent is made here. Folders left by processes that are gone
 * (killed while spilling) are removed once per parent and process. max_temp_directory_size bounds each instance.
 */
export async function spillFolder(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  if (!swept.has(parent)) {
    swept.add(parent);
    for (const name of await readdir(parent).catch(() => [] as string[])) {
      const pid = /^(\d+)-\d+$/.exec(name)?.[1];
      if (pid && Number(pid) !== process.pid && !alive(Number(pid))) await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return join(parent, `${process.pid}-${++spillFolders}`);
}

/** Whether a process with this id exists (signal 0 checks without sending; EPERM: it exists, not ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The options that decide an instance's configuration: instances are shared per key. */
function configKey(o: DuckOptions): string {
  return JSON.stringify([o.memoryLimit, o.threads, o.tempDirectory, o.maxTempDirectorySize]);
}

/** fn with a database for one unit of work (Duck.lease: an idle instance of these options when there is one). */
export async function withDuck<T>(fn: (db: Duck) => Promise<T>, opts: DuckOptions = {}): Promise<T> {
  return (await Duck.lease(opts)).use(fn);
}

/** Threads of a database that runs user SQL, unless DuckOptions.threads says otherwise. */
export const USER_SQL_THREADS = Math.max(1, Math.min(4, availableParallelism()));

/**
 * withDuck for user-written SQL: a database of its own (it will be locked: Duck.lockdown), with the memory limit of
 * DuckOptions and a thread budget. `fn` creates its views, locks, then runs the SQL.
 */
export async function withUserSqlDuck<T>(fn: (db: Duck) => Promise<T>, opts: DuckOptions = {}): Promise<T> {
  if (opts.unavailable) throw new Error(opts.unavailable);
  const o = { ...opts, threads: opts.threads ?? USER_SQL_THREADS };
  const key = configKey(o);
  // Opening a database costs as much as an incremental gold refresh's own work, and a locked one cannot be reused:
  // so the next one is opened (asynchronously, off the event loop) while this one works.
  const mine = spare?.key === key ? spare.db : Duck.open(o);
  spare = { key, db: Duck.open(o) };
  spare.db.catch(() => { spare = undefined; });
  // The spare was opened for an earlier call: it counts against this call's budget.
  return (await mine).counted(o).use(fn);
}

let spare: { key: string; db: Promise<Duck> } | undefined;

/**
 * User SQL over these files (read, or written under a folder among them) in a locked session: on the shared instance
 * locked to `root` (by default their common folder; Duck.lockedSession), or, when that is "/", a database of its own.
 * A root that stays the same from one unit of work to the next (Storage.localRoot) keeps the instance for the next one.
 */
export async function withUserSqlSession<T>(paths: readonly string[], fn: (db: Duck) => Promise<T>, opts: DuckOptions = {}, root: string | undefined = commonFolder(paths)): Promise<T> {
  root = root?.replace(/\/+$/, '');
  if (!root) return withUserSqlDuck(fn, opts);
  return (await Duck.lockedSession(root, { ...opts, threads: opts.threads ?? USER_SQL_THREADS })).use(fn);
}

/** The deepest folder holding every path ("/a/b/x", "/a/c" → "/a"), or undefined for none but "/". */
export function commonFolder(paths: readonly string[]): string | undefined {
  const split = paths.map((p) => p.split('/').slice(0, -1));
  if (!split.length) return undefined;
  let n = 0;
  while (split.every((s) => s[n] !== undefined && s[n] === split[0]![n])) n++;
  const root = split[0]!.slice(0, n).join('/');
  return root && root !== '' ? root : undefined;
}

interface LockedInstance {
  instance: Promise<DuckDBInstance>;
  /** Sessions open on it. */
  sessions: number;
  /** Out of the cache: closed when its last session ends. */
  retired?: boolean;
}

const lockedInstances = new Map<string, LockedInstance>();

/**
 * Resident memory a Lambda function of this project has used before its handler's first statement, MB: Node 24 with
 * DuckDB and strata loaded (a whole `node cli/strata.js ingest` of 2 rows peaks at 132 MB: npm run bench -- commands).
 */
export const FUNCTION_START_MB = 128;
/** How often a watched statement's growth is sampled, ms. */
const MEMORY_SAMPLE_MS = 20;
/** Statements under a memory watch in this process now. */
let watched = 0;
/** Whether Linux gives this process its peak resident memory and lets it reset it (peakRss); false once it did not. */
let peakKept = process.platform === 'linux';

/**
 * Reset the process's peak resident memory to its current one: "5" written to /proc/self/clear_refs (Linux 4.0 and
 * later, proc(5)). Where that cannot be done, the peak is not used (peakRss gives undefined) and the watch looks at
 * the current resident memory only.
 */
function resetPeakRss(): void {
  if (!peakKept) return;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    peakKept = false;
  }
}

/** The process's peak resident memory since its last reset (VmHWM of /proc/self/status), bytes; undefined where not kept. */
function peakRss(): number | undefined {
  if (!peakKept) return undefined;
  try {
    const kb = /^VmHWM:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * The growth a statement of a function of `memoryMb` may cause, bytes (undefined without a memory): what the function
 * has beyond its own start, and never less than the DuckDB budget strata gives such a function (a small function's
 * start is most of its memory: 128 MB leaves DuckDB's 64).
 */
function growthLimit(memoryMb: number | undefined): number | undefined {
  return memoryMb === undefined ? undefined : Math.max(duckdbMemoryMb(memoryMb), memoryMb - FUNCTION_START_MB) * 2 ** 20;
}

/** Time budget of one user-SQL statement: DuckOptions.statementTimeoutMs, else the step's function timeout. */
export function statementBudgetMs(opts: DuckOptions | undefined, functionTimeoutSeconds: number): number {
  return opts?.statementTimeoutMs ?? functionTimeoutSeconds * 1000;
}

/** withDuck on a session of the shared instance (Duck.session): for steps run many times in one process. */
export async function withDuckSession<T>(fn: (db: Duck) => Promise<T>, opts: DuckOptions = {}): Promise<T> {
  return (await Duck.session(opts)).use(fn);
}

const sharedInstances = new Map<string, Promise<DuckDBInstance>>();
let sessions = 0;

/**
 * A new connection to `instance` whose default database is a new empty in-memory one, `<prefix>_<n>`, in UTC (what
 * Duck.session and Duck.lease give a unit of work). The connection is closed if that fails.
 */
async function ownDatabase(instance: DuckDBInstance, prefix: string): Promise<{ conn: DuckDBConnection; name: string }> {
  const conn = await instance.connect();
  const name = `${prefix}_${++sessions}`;
  try {
    await conn.run(`SET TimeZone = 'UTC'; ATTACH ':memory:' AS ${name}; USE ${name}`);
  } catch (e) {
    conn.closeSync();
    throw e;
  }
  return { conn, name };
}

/** Idle instances of Duck.lease, per configuration key, and the most kept per key. */
const idleInstances = new Map<string, Array<{ instance: DuckDBInstance; timer: ReturnType<typeof setTimeout> }>>();
const IDLE_PER_KEY = 2;
/**
 * How long an instance stays idle before it is closed, in ms: long enough for the units of work of one run, and of
 * runs back to back (strata dev, a test's ingests), to follow each other on it; short enough that a process that
 * waits (strata dev between files) holds no instance, nor what its last unit allocated (DuckDB's
 * allocator keeps that for about a second: 430 MB of RSS after a 3M-row GROUP BY, 2026-12-02).
 */
const IDLE_MS = 1000;

/** Put `instance` among the idle ones of `key`, closed after IDLE_MS unless a lease takes it first (takeIdle). */
function idleUntilClosed(key: string, instance: DuckDBInstance): void {
  const timer = setTimeout(() => {
    idleInstances.set(key, (idleInstances.get(key) ?? []).filter((i) => i.instance !== instance));
    instance.closeSync();
  }, IDLE_MS);
  timer.unref();
  idleInstances.set(key, [...(idleInstances.get(key) ?? []), { instance, timer }]);
}

/** The most recently idle instance of `key`, no longer to be closed; undefined when there is none. */
function takeIdle(key: string): DuckDBInstance | undefined {
  const idle = idleInstances.get(key)?.pop();
  if (idle) clearTimeout(idle.timer);
  return idle?.instance;
}

/** Each leased instance's state when it was created (instanceState). */
const stateAtCreation = new WeakMap<DuckDBInstance, string>();

/**
 * What a unit of work must leave as it found it for its instance to be reused, in one string: every global setting's
 * value, the databases attached (an ATTACH is the instance's, not the connection's) and what the instance's own
 * database (memory) holds: tables, views, schemas, sequences, types, by name; looked at on a connection of its own.
 * One statement whose rows are sorted here: 2.8–4.4 ms, where the scalar subqueries of the same before it (aggregates
 * and counts) took 4.8–7.7 ms (medians of 60 on one instance, runs on two hosts, 2026-12-05). Within a 2-row ingest
 * (two leases, 75–93 ms) the difference is below the host's noise. Temp objects, variables,
 * prepared statements and session settings are the connection's, closed with it. Not looked for, as each would add
 * more than it is worth for strata's own code (user SQL never runs on these instances: withUserSqlDuck,
 * withUserSqlSession): macros and indexes in memory, secrets, log entries (measured 2026-12-02: with them the query
 * took 24–29 ms, duckdb_functions() alone 17 ms), and counters such as read_csv's rejects scan_id, which go on from
 * one unit to the next. strata creates none of those, and reads no scan_id.
 */
async function instanceState(instance: DuckDBInstance): Promise<string> {
  // On a connection of its own: what the next unit's connection starts from. A setting the unit's connection set for
  // its session (attachTo's file_search_path) went with that connection; DuckDB shows it in its place as LOCAL.
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(`SELECT 'setting ' || name || '=' || coalesce(value, '') FROM duckdb_settings() WHERE scope = 'GLOBAL'
      UNION ALL SELECT 'database ' || database_name FROM duckdb_databases()
      UNION ALL SELECT 'table ' || schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'memory'
      UNION ALL SELECT 'view ' || schema_name || '.' || view_name FROM duckdb_views() WHERE database_name = 'memory' AND NOT internal
      UNION ALL SELECT 'schema ' || schema_name FROM duckdb_schemas() WHERE database_name = 'memory'
      UNION ALL SELECT 'sequence ' || schema_name || '.' || sequence_name FROM duckdb_sequences() WHERE database_name = 'memory'
      UNION ALL SELECT 'type ' || schema_name || '.' || type_name FROM duckdb_types() WHERE database_name = 'memory' AND NOT internal`);
    // A UNION ALL's rows come in no promised order: sorted here, so that the same state is the same string.
    return (reader.getColumnsJS()[0] as string[]).sort().join('\n');
  } finally {
    conn.closeSync();
  }
}

/**
 * Statements that leave an instance as instanceState sees it, which a unit of work that ran only these need not have
 * looked at (4–6 ms a look, 3–5 leases a run: a tenth of a small ingest): one statement (no ";" anywhere, in a string
 * or not) that is a query (SELECT, WITH, FROM, DESCRIBE), a COPY of a query to a file, or the CREATE of a TEMP table
 * or view (the connection's, closed with it). Anything else (SET, ATTACH, PRAGMA, CREATE, CALL, INSERT, EXPLAIN, a
 * comment first, two statements) is looked at. A prefix test on strata's own statements: user SQL never runs on
 * leased instances that are reused (a locked one is closed). A WITH before an INSERT, UPDATE or DELETE changes rows,
 * never what instanceState lists (settings, and the names of databases and objects).
 */
export function leavesInstance(sql: string): boolean {
  return !sql.includes(';') && /^\s*(?:SELECT|WITH|FROM|DESCRIBE|COPY\s*\(|CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s)/i.test(sql)
    && !STATEFUL_FUNCTIONS.test(sql);
}

/**
 * Functions a query may call that change the instance, not only the query's result: DuckDB 1.5.6's table functions
 * that switch logging, profiling or the parser, checkpoint, or run SQL of their own (`SELECT * FROM enable_logging()`
 * turns logging on for every later unit: an attack, stop 56), and scalar functions that move state (sequences, the
 * random seed). Their name followed by "(" anywhere in a statement (in a string too) sends its unit to instanceState's
 * look. test/duckdb-session.test.ts sorts every table function of the DuckDB installed into these and the ones that
 * only read, so an upgrade that adds one fails until it is placed.
 */
export const STATEFUL_FUNCTIONS = /\b(?:checkpoint|force_checkpoint|enable_logging|disable_logging|truncate_duckdb_logs|enable_profiling|disable_profiling|enable_peg_parser|disable_peg_parser|check_peg_parser|json_execute_serialized_sql|query|query_table|read_duckdb|sql_auto_complete|setseed|nextval|currval)\s*\(/i;

/** A path as a SQL string literal (DuckDB reads paths as strings). */
export function pathLit(p: string): string {
  return `'${p.replace(/'/g, "''")}'`;
}

/**
 * A VARCHAR[] of paths (for read_parquet and the like) as one JSON string literal, which DuckDB turns into the list
 * when it binds the statement, rather than a list literal of one string per path: DuckDB 1.5.6's parser takes about
 * 6 KB of memory per literal and more per byte (measured: 50,016 paths of 130 characters, 6.6 MB of SQL, +325 MB of
 * RSS and 1.0 s to create a view over them; as one JSON string +112 MB and 0.26 s). Exact for any path (JSON escapes).
 */
export function pathList(paths: readonly string[]): string {
  return `from_json(${pathLit(JSON.stringify(paths))}, '["VARCHAR"]')`;
}
