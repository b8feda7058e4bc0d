// npm run bench: every performance figure of the project, each as a ratio against a baseline measured in the same
// run. Writes bench/RESULTS.md (the README quotes it).
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { benchCommands } from './commands.ts';
import { benchIngest } from './ingest.ts';
import { benchOrchestration } from './orchestration.ts';
import { emptyTrash } from './lib.ts';

process.env.STRATA_LOG_LEVEL = 'SILENT';
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const lines: string[] = [];
const log = (s: string) => { lines.push(s); process.stdout.write(`${s}\n`); };

log(`strata bench — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
// Folders an earlier bench left aside (it was stopped before its end) are deleted before anything is measured, and
// then the kernel is given the minute after which it allocates their inodes again without a second look once they
// are written back (lib.ts freshDir).
if (await emptyTrash()) await new Promise((r) => setTimeout(r, 61_000));
const results: Record<string, unknown> = {};
// Sections that run strata in this process (DuckDB included): the process's peak RSS after each, a high-water mark
// since the bench started (process.resourceUsage().maxRSS, KB), so an earlier section's peak can stand for a later one.
// partitions and commands time whole processes and print each one's own peak.
const IN_PROCESS = new Set(['quality', 'quality-gate', 'gold', 'append-keys', 'compaction']);
const peakRss = () => `  peak RSS of the bench process so far: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;
if (want('ingest')) {
  log('\n## bronze → silver ingest (issue 2)');
  results.ingest = await benchIngest(log);
}
if (want('commands')) {
  log('\n## what users run: whole processes through the README\'s commands (issue 14)');
  results.commands = await benchCommands(log);
}
if (want('orchestration')) {
  log('\n## orchestration overhead (issue 3)');
  results.orchestration = await benchOrchestration(log);
}
for (const [name, path, fn] of [['partitions', './partitions.ts', 'benchPartitions'], ['check', './check.ts', 'benchCheck'], ['quality', './dqdl.ts', 'benchDqdl'], ['quality-gate', './quality-gate.ts', 'benchQualityGate'], ['gold', './gold.ts', 'benchGold'], ['append-keys', './append-keys.ts', 'benchAppendKeys'], ['compaction', './compaction.ts', 'benchCompaction']] as const) {
  if (!want(name)) continue;
  try {
    const mod = await import(path) as Record<string, (log: (s: string) => void) => Promise<unknown>>;
    if (typeof mod[fn] !== 'function') continue;
    log(`\n## ${name}`);
    results[name] = await mod[fn](log);
    if (IN_PROCESS.has(name)) log(peakRss());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
}
await emptyTrash();
if (only.length === 0) {
  await writeFile('bench/RESULTS.md', `# Latest \`npm run bench\`\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`);
  await writeFile('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
}
