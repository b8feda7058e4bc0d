// What strata doctor finds: per subject (a table, the catalog, the locks, the run records), what is wrong, the way
// back, and — when the way back is derivable and loses nothing — the repair that --repair performs.
import type { GlueTableInput } from '../../core/plan/glue-table.ts';
import type { TableShape } from '../../core/plan/table-shape.ts';

export interface Finding {
  /** "silver.orders", "gold.daily_revenue", "runs.orders", "catalog", "locks", "staging". */
  subject: string;
  /** A problem keeps strata doctor at exit 1; a note is for information (garbage gc removes, a lock in use). */
  level: 'problem' | 'note';
  message: string;
  /** The way back, in words (a command, or what to do by hand). */
  way?: string;
  repair?: Repair;
}

/** A repair: derivable from what the lake holds, and losing nothing (what it replaces is kept aside). */
export interface Repair {
  /** Repairs run in this order: a manifest before its catalog entry, silver before the gold derived from it. */
  order: RepairOrder;
  /**
   * Performs the repair and says what it did; `{ notRepaired }` when it ran and could not (a gold refresh its quality
   * gate halted): strata doctor --repair lists it apart from what it repaired.
   */
  run: () => Promise<string | { notRepaired: string }>;
}

export const REPAIR_ORDER = ['locks', 'manifest', 'files', 'entry', 'gold', 'runs', 'catalog'] as const;
export type RepairOrder = (typeof REPAIR_ORDER)[number];

/** One table of the lake, as the doctor looks at it. */
export interface TableRef {
  layer: 'silver' | 'gold';
  name: string;
  root: string;
  shape: TableShape;
  glue: GlueTableInput;
}

export function problem(subject: string, message: string, way?: string, repair?: Repair): Finding {
  return { subject, level: 'problem', message, ...(way ? { way } : {}), ...(repair ? { repair } : {}) };
}

export function note(subject: string, message: string, way?: string, repair?: Repair): Finding {
  return { subject, level: 'note', message, ...(way ? { way } : {}), ...(repair ? { repair } : {}) };
}
