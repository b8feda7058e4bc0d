// An append dataset of events partitioned by day, and micro-batches of it (compaction tests and the bench).

export const EVENTS = (extra = '', columns = '') => `dataset: events
source: { format: jsonl }
columns:
  - { name: event_id, type: bigint, required: true }
  - { name: user_id, type: bigint }
  - { name: kind, type: string }
  - { name: amount, type: "decimal(12,2)" }
  - { name: at, type: timestamp, required: true }
${columns}mode: append
partitionBy:
  - { name: dt, column: at, transform: day }
${extra}`;

/** A micro-batch of `n` events from `first` on, on 2025-06-<day> (JSON lines). */
export const batch = (first: number, n: number, day = 15) => Array.from({ length: n }, (_, i) => {
  const id = first + i;
  return JSON.stringify({ event_id: id, user_id: (id * 7919) % 500, kind: ['view', 'click', 'buy'][id % 3], amount: ((id * 31) % 10000) / 100, at: `2025-06-${day}T${String(id % 24).padStart(2, '0')}:00:00Z` });
}).join('\n') + '\n';

/** One event a day for `days` days from 2025-01-01, ids from `first` on (JSON lines): a file touching `days` partitions. */
export const daily = (first: number, days: number) => Array.from({ length: days }, (_, d) => JSON.stringify({
  event_id: first + d, kind: 'view', at: `${new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10)}T10:00:00Z`,
})).join('\n') + '\n';
