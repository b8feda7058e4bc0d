// A rendered state machine (workflows/asl.ts) as a graph for the data docs: its states and every transition —
// Next, each Choice rule with its condition, a Choice's Default, and each Catch. Map and Parallel states are one
// node listing the states inside.
import type { StateMachineGraph } from '../runtime/docs/model.ts';

type State = Record<string, any>;

/** ASL comparison operators as the edge labels write them. */
const OPERATORS: Record<string, string> = {
  BooleanEquals: '=', StringEquals: '=', NumericEquals: '=', TimestampEquals: '=',
  NumericGreaterThan: '>', NumericGreaterThanEquals: '≥', NumericLessThan: '<', NumericLessThanEquals: '≤',
  StringGreaterThan: '>', StringLessThan: '<', TimestampGreaterThan: '>', TimestampLessThan: '<',
  StringMatches: 'matches',
};

export function aslGraph(asl: Record<string, unknown>): StateMachineGraph {
  const states = asl.States as Record<string, State>;
  const graph: StateMachineGraph = { startAt: String(asl.StartAt), states: [], edges: [] };
  for (const [name, s] of Object.entries(states)) {
    const inner = s.Type === 'Map' ? Object.keys((s.ItemProcessor ?? s.Iterator)?.States ?? {})
      : s.Type === 'Parallel' ? (s.Branches as Array<{ States: object }>).flatMap((b) => Object.keys(b.States)) : undefined;
    graph.states.push({ name, type: String(s.Type), ...(s.Comment ? { comment: String(s.Comment) } : {}), ...(inner ? { inner } : {}) });
    if (s.Next) graph.edges.push({ from: name, to: s.Next, kind: 'next' });
    for (const c of (s.Choices ?? []) as State[]) graph.edges.push({ from: name, to: c.Next, kind: 'choice', label: conditionLabel(c) });
    if (s.Default) graph.edges.push({ from: name, to: s.Default, kind: 'default', label: 'otherwise' });
    for (const c of (s.Catch ?? []) as State[]) graph.edges.push({ from: name, to: c.Next, kind: 'catch', label: (c.ErrorEquals as string[]).join(', ') });
  }
  return graph;
}

/** "stage.rejectRatio > 0.05" for { Variable: '$.stage.rejectRatio', NumericGreaterThan: 0.05 }; And/Or/Not spelled out. */
function conditionLabel(c: State): string {
  if (Array.isArray(c.And)) return c.And.map(conditionLabel).join(' and ');
  if (Array.isArray(c.Or)) return c.Or.map(conditionLabel).join(' or ');
  if (c.Not) return `not (${conditionLabel(c.Not)})`;
  const variable = String(c.Variable ?? '').replace(/^\$\./, '');
  const op = Object.keys(c).find((k) => k !== 'Variable' && k !== 'Next');
  if (!op) return variable;
  const value = c[op];
  // The type tests read as words: "restaged is present", "x is not null" (not "is present true").
  if (/^Is[A-Z]/.test(op) && typeof value === 'boolean') return `${variable} ${value ? 'is' : 'is not'} ${op.slice(2).replace(/[A-Z]/g, (m) => m.toLowerCase())}`;
  const symbol = OPERATORS[op.replace(/Path$/, '')] ?? op;
  return `${variable} ${symbol} ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}
