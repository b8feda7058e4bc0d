// strata check refuses schema files whose claims no ingest can keep (an attack, stop 47): a JSON `from` DuckDB reads
// as a wildcard, a `from` holding NUL (both failed every file at ingest with the engine's words), and a required
// column or a primary key the rows already in silver contradict (both checked clean).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { check } from '../cli/commands/check.ts';
import { loadProject } from '../core/project.ts';
import { formatDiagnostic } from '../core/schema/diagnostics.ts';
import { runCommand } from './helpers/cli.ts';
import { makeLake, ORDERS_HEADER, ordersSchema, type TestLake } from './helpers/lake.ts';

let lake: TestLake | undefined;
afterEach(async () => { await lake?.cleanup(); lake = undefined; });

/** Write `text` as the dataset's schema file, then `strata check` over the project and its lake. */
async function checkWith(l: TestLake, dataset: string, text: string) {
  await writeFile(join(l.root, 'schemas', `${dataset}.yaml`), text);
  return runCommand(check, { schemas: join(l.root, 'schemas'), lake: l.dir }, []);
}

/** `text` with `from` replaced by `to`; a `from` that is not there fails the test instead of changing nothing. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the schema text has no ${JSON.stringify(from)} to replace`);
  return text.replace(from, to);
}

const EVENTS = (format: string, from: string) => `dataset: events
source: { format: ${format} }
columns:
  - { name: id, type: bigint, required: true }
  - { name: amount, type: bigint, from: ${from} }
`;

describe('strata check: a from no ingest can read', () => {
  it('refuses from "*" in a JSON dataset, naming file, line, column and what to write; loading the project refuses it too', async () => {
    lake = await makeLake({ events: EVENTS('jsonl', 'amount') });
    await lake.ingest('events', await lake.file('a.jsonl', '{"id": 1, "amount": 5}\n'));
    const r = await checkWith(lake, 'events', EVENTS('jsonl', "'*'"));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/schemas\/events\.yaml:5:41: from "\*" is a wildcard to DuckDB's JSON paths \(not a key, even quoted\): every file would fail at ingest \("Cannot have wildcards in JSON path"\) \(fix: name the one top-level key the column reads, e\.g\. from: amount; a key named "\*" cannot be read: rename it where the records are written\)/);
    const project = await loadProject(join(lake.root, 'schemas'));
    expect(project.schemas).toEqual([]);
    // The same file as JSON (an array) is refused alike; a CSV header field "*" is read by position, and ingests.
    await writeFile(join(lake.root, 'schemas', 'events.yaml'), EVENTS('json', "'*'"));
    expect((await loadProject(join(lake.root, 'schemas'))).diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/schemas\/events\.yaml:5:41: from "\*" is a wildcard/)]);
    await writeFile(join(lake.root, 'schemas', 'events.yaml'), EVENTS('csv', "'*'"));
    expect((await loadProject(join(lake.root, 'schemas'))).diagnostics).toEqual([]);
  });

  it('refuses a from holding NUL, in any format', async () => {
    lake = await makeLake({ events: EVENTS('jsonl', 'amount') });
    for (const format of ['jsonl', 'csv']) {
      const r = await checkWith(lake, 'events', EVENTS(format, '"am\\0ount"'));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`schemas/events.yaml:5:41: from "am\\u0000ount" holds a NUL character (U+0000): DuckDB ends a query's text at it, so every file would fail at ingest with an SQL error (fix: write the field's name without the NUL, e.g. from: "amount")`);
    }
    // Other control characters are read as written (a key "x\u0001y" of a JSON record): no diagnostic.
    await writeFile(join(lake.root, 'schemas', 'events.yaml'), EVENTS('jsonl', '"am\\tount"'));
    expect((await loadProject(join(lake.root, 'schemas'))).diagnostics).toEqual([]);
  });
});
