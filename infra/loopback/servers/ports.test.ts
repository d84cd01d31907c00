import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephemeralLow, freePorts, RESERVATIONS, reserve } from './ports.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const script = (n: number) =>
  `import(${JSON.stringify(join(process.cwd(), 'infra/loopback/servers/ports.ts'))})` +
  `.then((m) => m.freePorts(${n})).then((ports) => { console.log(JSON.stringify(ports)); process.stdin.resume(); });`;

/** A process that reserves n ports, says which, and holds them until its stdin closes. */
function allocateInChild(n: number) {
  const child = spawn(tsx, ['--eval', script(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.endsWith('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before it said its ports`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { pid: child.pid!, ports, exit: () => { child.stdin.end(); return exited; } };
}

describe('free ports', () => {
  it('come from below the ephemeral range, are distinct, and are reserved in the name of this process', async () => {
    const ports = await freePorts(50);
    expect(new Set(ports).size).toBe(50);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000);
      expect(p).toBeLessThan(ephemeralLow());
      expect(readFileSync(join(RESERVATIONS, String(p)), 'utf8')).toBe(String(process.pid));
    }
  });

  it('are never handed to two processes at once, and are released when their process exits', async () => {
    const children = [allocateInChild(300), allocateInChild(300), allocateInChild(300)];
    const all = (await Promise.all(children.map((c) => c.ports))).flat();
    expect(all).toHaveLength(900);
    expect(new Set(all).size).toBe(900);
    expect(all.every((p) => existsSync(join(RESERVATIONS, String(p))))).toBe(true);
    await Promise.all(children.map((c) => c.exit()));
    // Released: no claim in their names is left. (Another test's process may claim a released port
    // the moment it is free; that claim holds its own pid.)
    const theirs = new Set(children.map((c) => String(c.pid)));
    const holder = (p: number) => { try { return readFileSync(join(RESERVATIONS, String(p)), 'utf8'); } catch { return undefined; } };
    expect(all.filter((p) => theirs.has(holder(p) ?? ''))).toEqual([]);
  }, 60_000);

  it('takes a reservation over from a process that has exited, never from a live one', async () => {
    const [port] = await freePorts(1);
    const file = join(RESERVATIONS, String(port));
    const { pid: deadPid } = spawnSync('true');
    writeFileSync(file, String(deadPid));
    expect(reserve(port!)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));

    writeFileSync(file, String(process.ppid));
    expect(reserve(port!)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(String(process.ppid));
  });

  it('clears the claims left by killed processes when a process first asks for a port', async () => {
    const { pid: deadPid } = spawnSync('true');
    const stale = [20_001, 20_002, 20_003].map((p) => join(RESERVATIONS, String(p)));
    for (const f of stale) if (!existsSync(f)) writeFileSync(f, String(deadPid));
    const child = allocateInChild(1);
    await child.ports;
    expect(stale.filter((f) => existsSync(f) && readFileSync(f, 'utf8') === String(deadPid))).toEqual([]);
    await child.exit();
  }, 30_000);
});
