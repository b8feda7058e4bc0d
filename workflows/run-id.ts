// Run ids: sortable, unique, and valid as a Step Functions execution name and in S3 keys.

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${t}-${Math.random().toString(16).slice(2, 8)}`;
}
