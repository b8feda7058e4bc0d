// Running one SQL statement on Athena and reading its whole result: start, wait (polling with backoff), page
// through the results, type the values. Used for gold refreshes (UNLOAD), DDL and checks in AWS, where DuckDB
// runs the same SQL locally.
import { randomUUID } from 'node:crypto';
import {
  GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand,
  type AthenaClient, type QueryExecution,
} from '@aws-sdk/client-athena';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { ATHENA_QUERY_MAX } from '../../core/gold/athena.ts';
import { thousands } from '../../core/text.ts';
import { athenaValue } from '../aws/athena-values.ts';
import { realSleep, withRetry, type RetryOptions } from '../aws/retry.ts';

export interface AthenaQueryRunnerOptions {
  client: AthenaClient;
  workgroup: string;
  /** Default database and catalog for unqualified names. */
  database?: string;
  catalog?: string;
  /** Result location; leave unset when the workgroup enforces its own (it would override this anyway). */
  outputLocation?: string;
  pollMs?: { initial: number; max: number };
  /** Injected by tests, so polling and retries cost no time. */
  sleep?: (ms: number) => Promise<void>;
  /** Give up (and stop the query) after this long. Default: wait as long as Athena runs it. */
  timeoutMs?: number;
  /** Retries of throttled API calls (TooManyRequestsException: too many queries queued or running). */
  retry?: Omit<RetryOptions, 'sleep'>;
}

export interface AthenaColumn {
  name: string;
  type: string;
}

export interface AthenaResult {
  queryId: string;
  columns: AthenaColumn[];
  rows: Array<Record<string, unknown>>;
  stats?: { dataScannedBytes?: number; engineMs?: number; totalMs?: number; queueMs?: number };
}

/** A query that ended FAILED or CANCELLED (or ran past timeoutMs). */
export class AthenaQueryError extends Error {
  readonly queryId: string;
  readonly state: string;
  readonly category: number | undefined;
  readonly errorType: number | undefined;
  /** Set when Athena says a retry may succeed: functions/lib/errors.ts then treats the error as transient. */
  readonly $retryable: { throttling: boolean } | undefined;
  constructor(message: string, q: { queryId: string; state: string; category?: number; errorType?: number; retryable?: boolean }) {
    super(message);
    this.name = 'AthenaQueryError';
    this.queryId = q.queryId;
    this.state = q.state;
    this.category = q.category;
    this.errorType = q.errorType;
    this.$retryable = q.retryable ? { throttling: false } : undefined;
  }
}

const CATEGORY = { 1: 'system', 2: 'user', 3: 'other' } as Record<number, string>;
const PAGE = 1000; // GetQueryResults maximum

export class AthenaQueryRunner {
  private readonly opts: AthenaQueryRunnerOptions;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: AthenaQueryRunnerOptions) {
    this.opts = opts;
    this.sleep = opts.sleep ?? realSleep;
  }

  async run(sql: string): Promise<AthenaResult> {
    const queryId = await this.start(sql);
    const execution = await this.wait(queryId);
    const { columns, rows } = await this.results(queryId, execution.StatementType);
    const s = execution.Statistics;
    return {
      queryId, columns, rows,
      ...(s ? { stats: { dataScannedBytes: s.DataScannedInBytes, engineMs: s.EngineExecutionTimeInMillis, totalMs: s.TotalExecutionTimeInMillis, queueMs: s.QueryQueueTimeInMillis } } : {}),
    };
  }

  private async start(sql: string): Promise<string> {
    const { client, workgroup, database, catalog, outputLocation } = this.opts;
    // Athena refuses it with InvalidRequestException, which a retry would only repeat: said here, with the quota.
    const bytes = Buffer.byteLength(sql);
    if (bytes > ATHENA_QUERY_MAX) {
      throw new StrataError(ERRORS.LimitExceeded, `an Athena query of ${thousands(bytes)} bytes, over the ${thousands(ATHENA_QUERY_MAX)} bytes Athena takes (its query string quota, which AWS does not raise); nothing was sent: ${sql.slice(0, 200)}…`);
    }
    // One token for every attempt: if a throttled-looking attempt did start the query, a retry returns that
    // query instead of starting it twice (StartQueryExecution is idempotent per ClientRequestToken).
    const token = randomUUID();
    const r = await this.retrying(() => client.send(new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: workgroup,
      ClientRequestToken: token,
      ...(database || catalog ? { QueryExecutionContext: { ...(database ? { Database: database } : {}), ...(catalog ? { Catalog: catalog } : {}) } } : {}),
      ...(outputLocation ? { ResultConfiguration: { OutputLocation: outputLocation } } : {}),
    })));
    if (!r.QueryExecutionId) throw new Error('Athena started a query but returned no QueryExecutionId');
    return r.QueryExecutionId;
  }

  private async wait(queryId: string): Promise<QueryExecution> {
    const { initial, max } = this.opts.pollMs ?? { initial: 200, max: 5_000 };
    const started = Date.now();
    let delay = initial;
    for (;;) {
      await this.sleep(delay);
      const r = await this.retrying(() => this.opts.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })));
      const q = r.QueryExecution ?? {};
      const state = q.Status?.State;
      if (state === 'SUCCEEDED') return q;
      if (state === 'FAILED' || state === 'CANCELLED') throw failure(queryId, q);
      if (this.opts.timeoutMs !== undefined && Date.now() - started > this.opts.timeoutMs) {
        await this.opts.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })).catch(() => undefined);
        throw new AthenaQueryError(`Athena query ${queryId} still ${state ?? 'pending'} after ${this.opts.timeoutMs} ms; stopped`, { queryId, state: 'TIMEOUT' });
      }
      delay = Math.min(max, delay * 2);
    }
  }

  private async results(queryId: string, statementType: string | undefined): Promise<{ columns: AthenaColumn[]; rows: Array<Record<string, unknown>> }> {
    let columns: AthenaColumn[] = [];
    const rows: Array<Record<string, unknown>> = [];
    let token: string | undefined;
    let first = true;
    do {
      const r = await this.retrying(() => this.opts.client.send(new GetQueryResultsCommand({
        QueryExecutionId: queryId, MaxResults: PAGE, ...(token ? { NextToken: token } : {}),
      })));
      const data = r.ResultSet?.Rows ?? [];
      if (first) {
        columns = (r.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({ name: c.Name ?? c.Label ?? '', type: c.Type ?? 'varchar' }));
        // SELECT results repeat the column names as their first row; DDL and utility results (SHOW, DESCRIBE) do not.
        if (statementType === 'DML' && data.length && isHeader(data[0]!.Data ?? [], columns)) data.shift();
        first = false;
      }
      for (const row of data) {
        const cells = row.Data ?? [];
        rows.push(Object.fromEntries(columns.map((c, i) => [c.name, athenaValue(c.type, cells[i]?.VarCharValue)])));
      }
      token = r.NextToken;
    } while (token);
    return { columns, rows };
  }

  private retrying<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, { attempts: 6, baseMs: 250, maxMs: 10_000, ...this.opts.retry, sleep: this.sleep });
  }
}

function isHeader(cells: Array<{ VarCharValue?: string }>, columns: AthenaColumn[]): boolean {
  return cells.length === columns.length && cells.every((c, i) => c.VarCharValue === columns[i]!.name);
}

function failure(queryId: string, q: QueryExecution): AthenaQueryError {
  const state = q.Status?.State ?? 'FAILED';
  const reason = q.Status?.StateChangeReason ?? (state === 'CANCELLED' ? 'query was cancelled' : 'query failed');
  const e = q.Status?.AthenaError;
  const detail = e && (e.ErrorCategory !== undefined || e.ErrorType !== undefined)
    ? ` (Athena error category ${e.ErrorCategory}${e.ErrorCategory !== undefined && CATEGORY[e.ErrorCategory] ? ` ${CATEGORY[e.ErrorCategory]}` : ''}, type ${e.ErrorType ?? '?'})`
    : '';
  return new AthenaQueryError(`${reason}${detail}`, {
    queryId, state,
    ...(e?.ErrorCategory !== undefined ? { category: e.ErrorCategory } : {}),
    ...(e?.ErrorType !== undefined ? { errorType: e.ErrorType } : {}),
    ...(e?.Retryable ? { retryable: true } : {}),
  });
}
