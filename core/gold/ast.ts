// Gold SQL as a syntax tree, from DuckDB's own parser (json_serialize_sql): table references, select items,
// function calls, with their character offsets for diagnostics. Node shapes are DuckDB's; only what strata reads
// is typed here.
import type { SqlSession } from '../sql/binder.ts';
import { str } from '../sql/quote.ts';
import { serialize, type Node } from '../sql/sandbox.ts';

export type { Node };

export interface ParsedSql {
  ast: Node;
  /** The SELECT node of the single statement. */
  select: Node;
}

/** The single SELECT of SQL strata already vetted (vetQuery), or why not. */
export async function parseSql(db: SqlSession, sql: string): Promise<ParsedSql | { error: string; offset?: number }> {
  const ast = await serialize(db, sql);
  if (ast.error) return { error: String(ast.error_message ?? 'syntax error').split('\n')[0]! };
  if (ast.statements?.length !== 1) return { error: 'a gold table is one SELECT statement' };
  const node = ast.statements[0].node as Node;
  if (node.type !== 'SELECT_NODE' && node.type !== 'SET_OPERATION_NODE') return { error: 'a gold table is one SELECT statement' };
  return { ast, select: node };
}

/**
 * Turn (part of) a tree back into SQL text (DuckDB dialect). Positions are left out: printing needs none, and the
 * parser's "no position" (2^64 - 1) does not survive JSON.parse (a double), so json_deserialize_sql would refuse it.
 */
export async function toSql(db: SqlSession, ast: Node): Promise<string> {
  const json = JSON.stringify(ast, (key, value: unknown) => (key === 'query_location' ? undefined : value));
  const rows = await db.all<{ s: string }>(`SELECT json_deserialize_sql(${str(json)}::JSON) AS s`);
  return rows[0]!.s;
}

/** Depth-first visit of every object node. */
export function walk(node: unknown, visit: (n: Node, parent: Node | undefined) => void, parent?: Node): void {
  if (Array.isArray(node)) {
    for (const x of node) walk(x, visit, parent);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  visit(n, parent);
  for (const v of Object.values(n)) if (v && typeof v === 'object') walk(v, visit, n);
}

export interface TableRef {
  schema: string;
  table: string;
  alias: string;
  /** Whether the SQL gives the reference an alias of its own (`FROM silver.orders "o"`, `AS o`), as DuckDB parsed it. */
  aliased: boolean;
  offset: number;
}

/** Every base table the query reads, CTE names excluded. */
export function tableRefs(select: Node): TableRef[] {
  const ctes = new Set<string>();
  walk(select, (n) => {
    for (const entry of n.cte_map?.map ?? []) ctes.add(String(entry.key).toLowerCase());
  });
  const out: TableRef[] = [];
  walk(select, (n) => {
    if (n.type === 'BASE_TABLE' && typeof n.table_name === 'string') {
      if (!n.schema_name && ctes.has(n.table_name.toLowerCase())) return;
      out.push({ schema: n.schema_name ?? '', table: n.table_name, alias: n.alias || n.table_name, aliased: Boolean(n.alias), offset: n.query_location ?? 0 });
    }
  });
  return out;
}

export interface SelectItem {
  /** Output name: the alias, or the column name of a bare column reference. */
  name: string | undefined;
  expr: Node;
}

/** The top-level select list (of the first SELECT of a set operation). */
export function selectItems(select: Node): SelectItem[] {
  let node = select;
  while (node.type === 'SET_OPERATION_NODE') node = node.left;
  return (node.select_list as Node[]).map((e) => ({
    name: e.alias || (e.class === 'COLUMN_REF' ? e.column_names[e.column_names.length - 1] : undefined),
    expr: e,
  }));
}

/** Column references in an expression: [qualifier or '', column]. */
export function columnRefs(expr: Node): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  walk(expr, (n) => {
    if (n.class === 'COLUMN_REF' && Array.isArray(n.column_names)) {
      const names = n.column_names as string[];
      out.push(names.length > 1 ? [names[names.length - 2]!, names[names.length - 1]!] : ['', names[0]!]);
    }
  });
  return out;
}

/** 1-based line and column of a character offset in a text. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}
