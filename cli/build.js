#!/usr/bin/env node
// The compiled CLI: cli/main.ts and everything it imports (strata's modules and its dependencies, but not DuckDB's
// native binding) bundled by rolldown into dist/, once, at `npm install` (package.json's "prepare"). Loading a few
// bundled chunks costs less than resolving, reading and type-stripping the ~580 modules a command loads from the
// sources (issue 14: `npm run bench -- commands`, and the README's Performance section, give the figures).
//
// Never stale: dist/current.json lists every file the bundle was built from (strata's and its dependencies') with its
// size, mtime and ctime, and the launcher (cli/strata.js) runs the compiled CLI only while all of them are unchanged;
// otherwise, and whenever dist/ is absent or unreadable, it runs the sources, as before. STRATA_CLI=sources runs the
// sources whatever dist/ holds.
//
// A failed build fails nothing: `npm install` goes on (this script prints why and exits 0), and the launcher runs the
// sources. Builds are atomic for the launcher: the new chunks (named by content hash) are written beside the old
// ones, then current.json is replaced by rename; files of builds before the previous one are removed.
//   node cli/build.js            (what `npm install` runs)
import { statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project's root (the folder holding package.json and cli/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundle `<root>/cli/main.ts` into `outDir` (default `<root>/dist`) and write `outDir/current.json`:
 * `{ entry, files, inputs: [[path relative to root, size in bytes, mtime in ms, ctime in ms], …], builtAt }`.
 * Returns that object. Throws when rolldown is missing or the bundle fails (the caller decides what that means).
 */
export async function buildCli(root = ROOT, outDir = join(root, 'dist')) {
  const started = performance.now();
  const startedAt = Date.now();
  const { build } = await import('rolldown');
  // Every module of the graph, before tree-shaking drops what no command uses (the output chunks list only the rest):
  // a change to any of them may change what is kept.
  const graph = new Set([fileURLToPath(import.meta.url)]); // and this script: a change to it may change the bundle
  const result = await build({
    input: { main: join(root, 'cli', 'main.ts') },
    platform: 'node',
    // DuckDB's native binding loads a .node file by its path: it stays a require of the installed package.
    external: ['@duckdb/node-bindings'],
    logLevel: 'silent',
    write: false,
    output: { format: 'esm', entryFileNames: '[name]-[hash].js', chunkFileNames: '[name]-[hash].js' },
    plugins: [{ name: 'strata-inputs', buildEnd() { for (const id of this.getModuleIds()) if (isAbsolute(id)) graph.add(id); } }],
  });
  const chunks = result.output.filter((o) => o.type === 'chunk');
  const entry = chunks.find((c) => c.isEntry)?.fileName;
  if (!entry) throw new Error('rolldown produced no entry chunk');
  // Size, mtime and ctime: any write, even one that puts the size and the mtime back (utimes), or a copy that keeps
  // mtimes (cp -p, tar, rsync -t; npm sets every installed file's mtime to one date), gives a file a new ctime, which
  // no tool can set. A file whose ctime is later than the build's start may have changed after rolldown read it.
  const inputs = [...graph].sort().map((p) => {
    const s = statSync(p);
    if (s.ctimeMs >= startedAt) throw new Error(`${relative(root, p)} changed while the CLI was being compiled`);
    return [relative(root, p), s.size, s.mtimeMs, s.ctimeMs];
  });
  await mkdir(outDir, { recursive: true });
  // Chunks are named by their content: writing one that exists writes the same bytes.
  for (const o of result.output) {
    const tmp = join(outDir, `.tmp-${process.pid}-${o.fileName}`);
    await writeFile(tmp, o.type === 'chunk' ? o.code : o.source);
    await rename(tmp, join(outDir, o.fileName));
  }
  const previous = await readFile(join(outDir, 'current.json'), 'utf8').then((t) => JSON.parse(t).files, () => []);
  const current = { entry, files: result.output.map((o) => o.fileName), inputs, builtAt: new Date().toISOString() };
  const tmp = join(outDir, `.tmp-${process.pid}-current.json`);
  await writeFile(tmp, JSON.stringify(current));
  await rename(tmp, join(outDir, 'current.json'));
  // A command started from the previous build may still import its chunks; older ones go.
  const keep = new Set(['current.json', ...current.files, ...(Array.isArray(previous) ? previous : [])]);
  for (const f of await readdir(outDir)) if (!keep.has(f) && !f.startsWith('.tmp-')) await rm(join(outDir, f), { force: true });
  return { ...current, ms: performance.now() - started };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const b = await buildCli();
    process.stdout.write(`strata: compiled the CLI into dist/ (${b.inputs.length} files, ${(b.ms / 1000).toFixed(1)} s)\n`);
  } catch (e) {
    // Not a failure of `npm install`: the launcher runs the sources.
    process.stdout.write(`strata: the CLI was not compiled (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); it runs from the sources\n`);
  }
}
