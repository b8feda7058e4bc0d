// The shared scan: every aggregate the rules need, in one SELECT over the batch, so that N aggregate rules cost one
// pass over the rows. Rules with a where clause use FILTER (WHERE ...) on their own aggregates; identical aggregates
// (count(*) is needed by most rules) are computed once.
import { condition } from '../sql/sandbox.ts';

export class ScanQuery {
  private readonly aliases = new Map<string, string>();

  get size(): number {
    return this.aliases.size;
  }

  /** The column name under which the aggregate comes back. */
  add(aggregate: string): string {
    let alias = this.aliases.get(aggregate);
    if (!alias) {
      alias = `m${this.aliases.size}`;
      this.aliases.set(aggregate, alias);
    }
    return alias;
  }

  sql(batch: string): string {
    const cols = [...this.aliases].map(([agg, alias]) => `  ${agg} AS ${alias}`);
    return `SELECT\n${cols.join(',\n')}\nFROM ${batch}`;
  }
}

/**
 * An aggregate restricted to rows where all predicates hold; undefined predicates are ignored. A predicate is put in
 * parentheses (condition(), the splice a where clause is vetted in) unless it is a single identifier.
 */
export function filtered(aggregate: string, ...predicates: Array<string | undefined>): string {
  const ps = predicates.filter((p): p is string => p !== undefined && p !== '');
  if (!ps.length) return aggregate;
  return `${aggregate} FILTER (WHERE ${ps.map((p) => (ps.length > 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? condition(p) : p)).join(' AND ')})`;
}
