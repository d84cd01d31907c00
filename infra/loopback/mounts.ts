// Which mount holds a folder: node-exporter names file systems by their mount point, and the
// loopback stack's PostgreSQL data lives on whichever one holds its folder.
import { readFileSync, realpathSync } from 'node:fs';

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The longest mount point (from /proc/mounts text) that contains `path` (already resolved). */
export function mountPointOf(path: string, procMounts: string): string {
  const points = procMounts.split('\n').map((l) => l.split(' ')[1]).filter((p): p is string => p !== undefined && p !== '').map(unescape);
  const inside = points.filter((p) => p === '/' || path === p || path.startsWith(`${p}/`));
  if (inside.length === 0) throw new Error(`no mount holds ${path}`);
  return inside.reduce((a, b) => (b.length > a.length ? b : a));
}

export const mountPointOfDir = (dir: string): string => mountPointOf(realpathSync(dir), readFileSync('/proc/self/mounts', 'utf8'));
