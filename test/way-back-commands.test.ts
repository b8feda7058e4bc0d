// Every strata command a message, docstring or the README tells a user to run names options that command has: the way
// back of a refused gold rollback and of a damaged gold file said `strata refresh g --full`, which the CLI refuses
// ("strata refresh has no option --full"; an attack, stop 48). Read from the sources' text, so a new message is
// checked as it is written.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, GLOBAL } from '../cli/main.ts';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Each `strata <command> …` up to the end of its phrase, with the options it names. */
function mentions(file: string): Array<{ at: string; command: string; options: string[] }> {
  const text = readFileSync(file, 'utf8');
  const out: Array<{ at: string; command: string; options: string[] }> = [];
  for (const m of text.matchAll(/\bstrata ([a-z]+)((?: +(?:--?[a-z][a-z-]*|<[^>\n]*>|\[[^\]\n]*\]|[\w.$/{}*=@:-]+))*)/g)) {
    if (!(m[1]! in COMMANDS)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ at: `${file.slice(ROOT.length + 1)}:${line}`, command: m[1]!, options: [...m[2]!.matchAll(/(?:^|\s)--([a-z][a-z-]*)/g)].map((o) => o[1]!) });
  }
  return out;
}

describe('the strata commands strata tells users to run', () => {
  it('name only options their command has', async () => {
    const files = [...['runtime', 'workflows', 'core', 'cli'].flatMap(sources), join(ROOT, 'README.md')];
    const all = files.flatMap(mentions);
    expect(all.length).toBeGreaterThan(100); // the search finds them: a broken pattern would pass on nothing
    const wrong: string[] = [];
    for (const m of all) {
      const cmd = await COMMANDS[m.command]!.load();
      const known = new Set([...Object.keys(GLOBAL), ...Object.keys(cmd.options ?? {})]);
      for (const o of m.options) if (!known.has(o)) wrong.push(`${m.at}: strata ${m.command} has no option --${o}`);
    }
    expect(wrong).toEqual([]);
  });
});
