// A dataset's state machine, drawn from its ASL (workflows/asl-graph.ts) with dagre, top to bottom. States are
// shaped by type; the states and transitions the newest run took are highlighted. Catch transitions are dashed.
import type { StateMachineGraph } from '../runtime/docs/model.ts';
import { graphSvg, type GraphEdge, type GraphNode } from './graph.ts';
import type { Html } from './html.ts';

export function stateMachineSvg(sm: StateMachineGraph, path: readonly string[], id: string): Html {
  const visited = new Set(path);
  const taken = new Set(path.slice(1).map((to, i) => `${path[i]}\u0000${to}`));
  const nodes: GraphNode[] = sm.states.map((s) => ({
    id: s.name,
    cls: `state ${s.type.toLowerCase()}${visited.has(s.name) ? ' visited' : ''}${s.name === sm.startAt ? ' start' : ''}`,
    lines: [s.name, s.inner ? `${s.type}: ${s.inner.join(', ')}` : s.type],
    ...(s.comment ? { title: s.comment } : {}),
  }));
  const edges: GraphEdge[] = sm.edges.map((e) => ({
    from: e.from, to: e.to,
    // Every Task catches States.ALL into the failure recorder: the dashes say so; a label on each would be noise.
    ...(e.label && !(e.kind === 'catch' && e.label === 'States.ALL') ? { label: e.label } : {}),
    cls: `${e.kind}${taken.has(`${e.from}\u0000${e.to}`) ? ' visited' : ''}`,
  }));
  return graphSvg(nodes, edges, { id, rankdir: 'TB', title: 'state machine' });
}
