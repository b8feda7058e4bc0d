// The site renderer without a browser: what a schema, a run or a rule says is text on the page, never markup (also
// inside the charts' inline JSON); graphs are laid out by dagre without overlaps, in rank order; the output folder
// is strata's only if strata wrote it.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKER, writeSite } from '../cli/docs-files.ts';
import { compile } from '../core/plan/compile.ts';
import { checkProject } from '../core/project.ts';
import { buildDocsModel } from '../runtime/docs/build.ts';
import type { DocsModel } from '../runtime/docs/model.ts';
import type { RunRecord } from '../runtime/runs/record.ts';
import { layoutGraph } from '../site/graph.ts';
import { renderSite, type RenderedSite } from '../site/render.ts';

const EVIL = '<img src=x onerror="alert(1)">';
const CLOSE = '</script><script>alert(2)</script>';

function hostileModel(datasets: string[]): DocsModel {
  const project = checkProject(datasets.map((d) => ({ file: `${d}.yaml`, text: `dataset: ${d}
description: '${EVIL} & friends'
owner: "${CLOSE}"
source: { format: csv }
columns:
  - { name: id, type: int, description: "${CLOSE}", allowed: [1, 2] }
quality:
  silver:
    warn:
      - ColumnValues "id" in [1, 2]
` })));
  expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const plans = project.schemas.map((s) => compile(s.spec));
  const at = '2026-01-01T00:00:00.000Z';
  const runs: RunRecord[] = datasets.map((d) => ({
    runId: `r-${d}`, dataset: d, status: 'REJECTED', source: { key: `bronze/${d}/${EVIL}.csv`, etag: 'e', size: 1, sourceId: 's' }, startedAt: at, finishedAt: at,
    durationMs: 5, rowsIn: 2, rowsValid: 0, rowsQuarantined: 2, rowsSuperseded: 0, partitions: [], timings: [], warnings: [EVIL], error: { name: 'Strata.RejectedFile', message: CLOSE },
    reasons: [{ column: 'id', rule: 'allowed', count: 2, line: 2, record: 1, message: `${CLOSE} is not allowed` }],
  }));
  const metrics = datasets.map((d) => ({ layer: 'silver' as const, table_name: d, run_id: `r-${d}`, evaluated_at: at, halted: false, severity: 'warn', rule: 'ColumnValues "id" in [1, 2]', outcome: 'FAIL', metric: 'Column.id.ColumnValues.Compliance', value: 0, message: CLOSE }));
  return buildDocsModel({ plans, gold: [], facts: { lake: { kind: 'local', uri: 'file:///lake/' }, runs, manifests: {}, metrics, bronze: {} }, stateMachines: {}, now: new Date(at) });
}

let tmp: string;
let site: RenderedSite;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'strata-site-'));
  site = await renderSite(hostileModel(['alpha', 'beta']));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('rendering', () => {
  it('one page per kind and per table, the model as JSON, the libraries and their licences', () => {
    expect(site.files.map((f) => f.path).sort()).toEqual([
      'assets/LICENSES.txt', 'datasets/alpha.html', 'datasets/beta.html', 'index.html', 'lineage.html', 'model.json', 'quality.html', 'runs.html',
    ]);
    expect(site.copies.map((c) => c.path).sort()).toEqual(['assets/docs.js', 'assets/style.css', 'assets/vega-embed.min.js', 'assets/vega-lite.min.js', 'assets/vega.min.js']);
    const licences = site.files.find((f) => f.path === 'assets/LICENSES.txt')!.content;
    for (const pkg of ['vega', 'vega-lite', 'vega-embed']) expect(licences).toContain(`== ${pkg} (copied into assets/ from the npm package) ==`);
  });

  it('schema text, file names, error messages and rule messages are escaped everywhere, also inside inline JSON', () => {
    for (const f of site.files.filter((x) => x.path.endsWith('.html'))) {
      expect(f.content, f.path).not.toContain('<img');
      expect(f.content, f.path).not.toContain('alert(2)</script>');
      // The only scripts are the bundled files and the charts' inline JSON.
      const scripts = [...f.content.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!.trim());
      for (const s of scripts) expect(s, f.path).toMatch(/^(src="(\.\.\/)?assets\/[a-z.-]+\.js"|type="application\/json")$/);
    }
    const page = site.files.find((f) => f.path === 'datasets/alpha.html')!.content;
    expect(page).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; friends');
    // A chart's data travels as JSON with every '<' escaped; parsing it gives back the exact text.
    const json = [...page.matchAll(/<script type="application\/json">(.*?)<\/script>/gs)].map((m) => m[1]!);
    expect(json.length).toBeGreaterThan(0);
    expect(json.some((j) => j.includes('\\u003c/script>\\u003cscript>alert(2)\\u003c/script> is not allowed'))).toBe(true);
    const specs = json.map((j) => JSON.parse(j) as { data?: { values?: Array<Record<string, unknown>> } });
    expect(specs.flatMap((s) => s.data?.values ?? []).some((v) => v.example === `${CLOSE} is not allowed`)).toBe(true);
  });

  it('every page forbids requests beyond the site itself', () => {
    for (const f of site.files.filter((x) => x.path.endsWith('.html'))) {
      // Attribute values are escaped like all text: &#39; is the browser's '.
      expect(f.content.replaceAll('&#39;', "'")).toContain(`content="default-src 'none'; script-src 'self' file: 'unsafe-eval'; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:; connect-src 'none'`);
      expect(f.content).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });
});

describe('graph layout', () => {
  it('dagre places ranks left to right without overlapping nodes, edges from border to border', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, lines: [`node ${id}`, 'second line'], cls: '' }));
    const edges = [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd'], ['d', 'e']].map(([from, to]) => ({ from: from!, to: to!, label: `${from}→${to}` }));
    const g = layoutGraph(nodes, edges, 'LR');
    const box = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    for (const e of g.edges) {
      const [s, t] = [box[e.from]!, box[e.to]!];
      expect(t.x - t.w / 2).toBeGreaterThan(s.x + s.w / 2); // the target's rank is to the right
      const first = e.points[0]!;
      const last = e.points.at(-1)!;
      expect(Math.abs(first.x - (s.x + s.w / 2))).toBeLessThan(1); // leaves the source's right border
      expect(Math.abs(last.x - (t.x - t.w / 2))).toBeLessThan(1); // enters the target's left border
      expect(e.labelAt).toBeDefined();
    }
    for (const a of g.nodes) {
      for (const b of g.nodes) {
        if (a.id >= b.id) continue;
        const apart = Math.abs(a.x - b.x) >= (a.w + b.w) / 2 || Math.abs(a.y - b.y) >= (a.h + b.h) / 2;
        expect(apart, `${a.id} and ${b.id} overlap`).toBe(true);
      }
      expect(a.x - a.w / 2).toBeGreaterThanOrEqual(0);
      expect(a.x + a.w / 2).toBeLessThanOrEqual(g.width);
    }
    // A node is as wide as its longest line in the monospace font: 11 characters × 7.2 px + 2 × 12 px padding.
    expect(box.a!.w).toBe(Math.ceil(11 * 7.2 + 24));
  });
});

describe('the output folder', () => {
  it('is written into a new or empty folder; a rebuild removes only pages it wrote before and no longer has', async () => {
    const dir = join(tmp, 'docs');
    const first = await writeSite(dir, site);
    expect(first).toMatchObject({ pages: 6, removed: 0 });
    expect(existsSync(join(dir, 'datasets', 'beta.html'))).toBe(true);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const second = await writeSite(dir, await renderSite(hostileModel(['alpha'])));
    expect(second.removed).toBe(1);
    expect(existsSync(join(dir, 'datasets', 'beta.html'))).toBe(false);
    expect(existsSync(join(dir, 'datasets', 'alpha.html'))).toBe(true);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(JSON.parse(await readFile(join(dir, MARKER), 'utf8')).files).not.toContain('datasets/beta.html');
  });

  it('refuses a folder with files strata did not write, and touches nothing in it', async () => {
    const dir = join(tmp, 'someone-else');
    await mkdir(dir);
    await writeFile(join(dir, 'index.html'), 'not ours');
    await expect(writeSite(dir, site)).rejects.toThrow(`${dir} is not empty and was not written by strata docs (no ${MARKER}): choose another --out, or empty it first`);
    // A damaged list of what the last build wrote, and a file named as the folder: refused, naming them (an attack, stop 49: "Unexpected end of JSON input", ENOTDIR).
    await writeFile(join(dir, MARKER), '{"files":');
    await expect(writeSite(dir, site)).rejects.toThrow(`${join(dir, MARKER)}, the list of files the last strata docs wrote there, cannot be read (`);
    await expect(writeSite(join(dir, MARKER), site)).rejects.toThrow(`--out ${join(dir, MARKER)} is a file, not a folder: choose a folder for the site (strata docs --out <folder>)`);
    expect(await readFile(join(dir, 'index.html'), 'utf8')).toBe('not ours');
  });
});
