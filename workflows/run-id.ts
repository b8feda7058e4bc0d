// Run ids: sortable, unique, and valid as a Step Functions execution name and in S3 keys.

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  // Six hex digits, never "b" and digits alone: a folder v-<run>-b<n>/ is an Athena batch of a gold run
  // (runtime/table/gc.ts writtenByStrata), and a run's own folder must not read as one.
  for (;;) {
    const tail = Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, '0');
    if (!/^b\d+$/.test(tail)) return `${t}-${tail}`;
  }
}
