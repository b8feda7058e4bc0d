// Writing the data docs into a folder. The folder is strata's only if strata made it: a marker file lists what the
// last build wrote, so a rebuild removes exactly the pages that no longer exist (a dropped dataset's page) and
// nothing else. A folder with other files and no marker is refused, never cleaned.
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ERRORS, StrataError } from '../core/errors.ts';
import type { RenderedSite } from '../site/render.ts';

export const MARKER = '.strata-docs.json';

export interface Written {
  dir: string;
  pages: number;
  files: number;
  bytes: number;
  removed: number;
}

export async function writeSite(dir: string, site: RenderedSite): Promise<Written> {
  const previous = await previousFiles(dir);
  const paths = [...site.files.map((f) => f.path), ...site.copies.map((c) => c.path)];
  const keep = new Set(paths);
  const stale = previous.filter((p) => !keep.has(p));
  for (const p of stale) await rm(join(dir, ...p.split('/')), { force: true });
  let bytes = 0;
  for (const f of site.files) {
    const target = join(dir, ...f.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
    bytes += Buffer.byteLength(f.content);
  }
  for (const c of site.copies) {
    const target = join(dir, ...c.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(c.from, target);
    bytes += (await stat(target)).size;
  }
  await writeFile(join(dir, MARKER), `${JSON.stringify({ writtenBy: 'strata docs', files: paths.sort() }, null, 1)}\n`);
  return { dir, pages: site.files.filter((f) => f.path.endsWith('.html')).length, files: paths.length, bytes, removed: stale.length };
}

/** What the last build wrote; [] for a missing or empty folder; refused for a folder strata did not write. */
async function previousFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new StrataError(ERRORS.InvalidInput, `--out ${dir} is a file, not a folder: choose a folder for the site (strata docs --out <folder>)`);
    }
    throw e;
  }
  if (!entries.length) return [];
  const marker = await readFile(join(dir, MARKER), 'utf8').catch(() => undefined);
  if (marker === undefined) {
    throw new StrataError(ERRORS.InvalidInput, `${dir} is not empty and was not written by strata docs (no ${MARKER}): choose another --out, or empty it first`);
  }
  let files: unknown;
  try {
    files = (JSON.parse(marker) as { files?: unknown }).files;
  } catch (e) {
    // Nothing is removed on its word: the files it would name are kept (an attack, stop 49: "Unexpected end of JSON input").
    throw new StrataError(ERRORS.UnreadableFile, `${join(dir, MARKER)}, the list of files the last strata docs wrote there, cannot be read (${(e as Error).message}): `
      + `nothing was written or removed. Choose another --out, or empty the folder (strata docs then writes it whole)`);
  }
  // Only relative paths inside the folder are ever removed, whatever the marker says.
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string' && !f.startsWith('/') && !f.split('/').includes('..')) : [];
}
