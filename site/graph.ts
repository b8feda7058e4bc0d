// Directed graphs as static SVG, laid out by dagre (@dagrejs/dagre, Sugiyama-style layered layout) when the site is
// built: the lineage and each dataset's state machine. Labels are set in a monospace font, so a label's width is
// known from its length without measuring text in a browser. The pages carry the finished SVG: no script is needed
// to see a graph.
import dagre from '@dagrejs/dagre';
import { html, raw, type Html } from './html.ts';

export interface GraphNode {
  id: string;
  /** First line bold, the others small. */
  lines: string[];
  /** CSS classes (layer, state type, "visited"). */
  cls: string;
  href?: string;
  /** Tooltip. */
  title?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  cls?: string;
}

export interface GraphOptions {
  /** Unique within the page: prefixes the arrow markers' ids. */
  id: string;
  rankdir: 'LR' | 'TB';
  title: string;
}

/** Monospace at 12px: 0.6em per character (DejaVu Sans Mono, Menlo and Consolas all advance 0.6em). */
const CHAR = 7.2;
const LINE = 16;
const PAD = { x: 12, y: 8 };
const LABEL = { char: 6.6, height: 16 };

export interface LaidOut {
  width: number;
  height: number;
  nodes: Array<GraphNode & { x: number; y: number; w: number; h: number }>;
  edges: Array<GraphEdge & { points: Array<{ x: number; y: number }>; labelAt?: { x: number; y: number } }>;
}

export function layoutGraph(nodes: readonly GraphNode[], edges: readonly GraphEdge[], rankdir: 'LR' | 'TB'): LaidOut {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir, nodesep: 24, ranksep: rankdir === 'LR' ? 60 : 36, edgesep: 12, marginx: 8, marginy: 8 });
  for (const n of nodes) {
    const w = Math.ceil(Math.max(...n.lines.map((l) => l.length)) * CHAR + 2 * PAD.x);
    g.setNode(n.id, { width: w, height: n.lines.length * LINE + 2 * PAD.y });
  }
  edges.forEach((e, i) => {
    const label = e.label ? { width: Math.ceil(e.label.length * LABEL.char) + 8, height: LABEL.height, labelpos: 'c' } : {};
    g.setEdge(e.from, e.to, label, `e${i}`);
  });
  dagre.layout(g);
  const graph = g.graph() as { width: number; height: number };
  return {
    width: Math.ceil(graph.width),
    height: Math.ceil(graph.height),
    nodes: nodes.map((n) => {
      const l = g.node(n.id) as { x: number; y: number; width: number; height: number };
      return { ...n, x: l.x, y: l.y, w: l.width, h: l.height };
    }),
    edges: edges.map((e, i) => {
      const l = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points: Array<{ x: number; y: number }>; x?: number; y?: number };
      return { ...e, points: l.points, ...(e.label && l.x !== undefined && l.y !== undefined ? { labelAt: { x: l.x, y: l.y } } : {}) };
    }),
  };
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** A smooth path through dagre's points: straight ends, quadratic bends at the inner points. */
function pathOf(points: ReadonlyArray<{ x: number; y: number }>): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${r1(first.x)},${r1(first.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${r1(p.x)},${r1(p.y)} ${r1((p.x + q.x) / 2)},${r1((p.y + q.y) / 2)}`;
  }
  const last = rest.at(-1);
  if (last) d += ` L${r1(last.x)},${r1(last.y)}`;
  return d;
}

export function graphSvg(nodes: readonly GraphNode[], edges: readonly GraphEdge[], opts: GraphOptions): Html {
  const g = layoutGraph(nodes, edges, opts.rankdir);
  const marker = (suffix: string) => `${opts.id}-arrow${suffix}`;
  const edgeSvg = g.edges.map((e) => {
    const visited = (e.cls ?? '').split(' ').includes('visited');
    return html`<g class="edge ${e.cls ?? ''}" data-from="${e.from}" data-to="${e.to}"><path d="${pathOf(e.points)}" marker-end="url(#${marker(visited ? '-v' : '')})"/>${e.labelAt
      ? html`<text x="${r1(e.labelAt.x)}" y="${r1(e.labelAt.y + 4)}" text-anchor="middle">${e.label}</text>` : ''}</g>`;
  });
  const nodeSvg = g.nodes.map((n) => {
    const x = r1(n.x - n.w / 2);
    const y = r1(n.y - n.h / 2);
    const text = n.lines.map((line, i) => html`<text class="${i ? 'sub' : 'name'}" x="${r1(n.x)}" y="${r1(y + PAD.y + LINE * i + 12)}" text-anchor="middle">${line}</text>`);
    const body = html`<g class="node ${n.cls}" data-id="${n.id}">${n.title ? html`<title>${n.title}</title>` : ''}<rect x="${x}" y="${y}" width="${r1(n.w)}" height="${r1(n.h)}" rx="5"/>${text}</g>`;
    return n.href ? html`<a href="${n.href}">${body}</a>` : body;
  });
  const arrow = (suffix: string) => raw(`<marker id="${marker(suffix)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/></marker>`);
  return html`<svg class="graph" id="${opts.id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${g.width} ${g.height}" width="${g.width}" height="${g.height}" role="img" aria-label="${opts.title}"><defs>${arrow('')}${arrow('-v')}</defs>${edgeSvg}${nodeSvg}</svg>`;
}
