// References between resources, written into their arguments as tokens: "${ref:LakeBucket.arn}" is the `arn` output
// of the resource named LakeBucket, "${aws:accountId}" the deploying account. Arguments stay plain, comparable data
// (the tests assert them as such); stacks/deploy.ts replaces each token with the resource's output, which also
// gives Pulumi every dependency — a reference can never be created before what it refers to.

export type AwsContext = 'accountId' | 'region' | 'partition';

export const ref = (resource: string, output: string): string => `\${ref:${resource}.${output}}`;
export const ACCOUNT = '${aws:accountId}';
export const REGION = '${aws:region}';
export const PARTITION = '${aws:partition}';

export type Token = { kind: 'ref'; resource: string; output: string; text: string } | { kind: 'aws'; name: AwsContext; text: string };

const TOKEN = /\$\{(ref|aws):([A-Za-z0-9]+)(?:\.([A-Za-z0-9]+))?\}/g;

export function tokensOf(text: string): Token[] {
  return [...text.matchAll(TOKEN)].map((m) => (m[1] === 'ref'
    ? { kind: 'ref' as const, resource: m[2]!, output: m[3] ?? '', text: m[0] }
    : { kind: 'aws' as const, name: m[2] as AwsContext, text: m[0] }));
}

/** Every token in a value (deeply). */
export function allTokens(value: unknown): Token[] {
  if (typeof value === 'string') return tokensOf(value);
  if (Array.isArray(value)) return value.flatMap(allTokens);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allTokens);
  return [];
}

/** The value with every token replaced (deeply): how tests and docs render arguments with example values. */
export function renderTokens<T>(value: T, valueOf: (t: Token) => string): T {
  if (typeof value === 'string') return value.replace(TOKEN, (text) => valueOf(tokensOf(text)[0]!)) as T;
  if (Array.isArray(value)) return value.map((v) => renderTokens(v, valueOf)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTokens(v, valueOf)])) as T;
  return value;
}
