// A CPU profile as a standalone SVG flame graph: one box per call path, as wide as its share of
// the sampled time, callees stacked on their callers, each box's title giving its time per
// request. Written by hand like loadtest/lib/svg.ts: no browser, no package.
import { selfUsByNode, type CallFrame, type CpuProfile } from './cpu-profile.js';

const WIDTH = 1200;
const ROW = 16;
const TOP = 40;
/** Boxes narrower than this are left out (with their callees): unreadable, and they bloat the file. */
const MIN_PX = 0.5;
const CHAR_PX = 6.6;

interface Box { label: string; us: number; children: Box[] }
interface Placed { x: number; level: number; w: number; label: string; us: number }

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The profile's call tree, each node with its total (self plus callees) time. */
function callTree(p: CpuProfile, label: (f: CallFrame) => string): Box {
  const selfUs = selfUsByNode(p);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const isChild = new Set(p.nodes.flatMap((n) => n.children ?? []));
  const build = (id: number): Box => {
    const n = byId.get(id)!;
    const children = (n.children ?? []).map(build).filter((c) => c.us > 0).sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    return { label: label(n.callFrame), us: (selfUs.get(id) ?? 0) + children.reduce((s, c) => s + c.us, 0), children };
  };
  const roots = p.nodes.filter((n) => !isChild.has(n.id)).map((n) => build(n.id));
  return roots.length === 1 ? roots[0]! : { label: '(root)', us: roots.reduce((s, r) => s + r.us, 0), children: roots };
}

/** Warm hues, stable per label: one function has one colour in every graph. */
function color(label: string): string {
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 50}, ${70 + (h % 20)}%, ${55 + (h % 15)}%)`;
}

/** `perUs`: what one sampled microsecond counts for in the titles (1 / requests: us per request, `unit`). */
export function flameGraphSvg(p: CpuProfile, o: { title: string; label: (f: CallFrame) => string; perUs: number; unit: string }): string {
  const root = callTree(p, o.label);
  const scale = root.us > 0 ? WIDTH / root.us : 0;
  const placed: Placed[] = [];
  const place = (b: Box, x: number, level: number) => {
    const w = b.us * scale;
    if (w < MIN_PX) return;
    placed.push({ x, level, w, label: b.label, us: b.us });
    let cx = x;
    for (const c of b.children) {
      place(c, cx, level + 1);
      cx += c.us * scale;
    }
  };
  place(root, 0, 0);
  const depth = Math.max(0, ...placed.map((b) => b.level));
  const height = TOP + (depth + 1) * ROW + 10;
  const boxes = placed.map((b) => {
    const y = height - 10 - (b.level + 1) * ROW;
    const fits = Math.floor((b.w - 4) / CHAR_PX);
    const text = fits >= 3 ? (b.label.length <= fits ? b.label : `${b.label.slice(0, fits - 2)}..`) : '';
    return `<g><title>${escapeXml(`${b.label}: ${(b.us * o.perUs).toFixed(2)} ${o.unit}`)}</title>`
      + `<rect x="${b.x.toFixed(1)}" y="${y}" width="${b.w.toFixed(1)}" height="${ROW - 1}" fill="${color(b.label)}"/>`
      + (text ? `<text x="${(b.x + 2).toFixed(1)}" y="${y + ROW - 4}">${escapeXml(text)}</text>` : '') + '</g>';
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`,
    ...boxes,
    '</svg>',
    '',
  ].join('\n');
}
