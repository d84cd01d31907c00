// Ports for servers started on 127.0.0.1. They come from below the kernel's ephemeral range and
// are reserved across processes (a file per port), because a port the kernel handed out once is
// not ours to keep: while a replica is down (a chaos run, a restart) its ephemeral port can become
// the source port of any outgoing connection or another test's `listen(0)`, and nginx then talks
// to a stranger, or the replica cannot listen again.
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where reservations live: one file per port, holding the reserving process's pid. */
export const RESERVATIONS = join(tmpdir(), 'shortstack-ports');
/** The lowest port handed out: clear of the well-known and registered ports services commonly use. */
const LOWEST = 20_000;

/** The first port of the kernel's ephemeral range (Linux; 32768 when it cannot tell). */
export function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

const held = new Set<number>();
let firstUse = true;

/** Whether a process exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const isLive = (holder: number) => Number.isInteger(holder) && holder > 0 && alive(holder);

/** Creates the port's file already holding this pid (link is atomic: no half-written claims). */
function createClaim(file: string): boolean {
  const draft = join(RESERVATIONS, `.claim-${process.pid}`);
  writeFileSync(draft, String(process.pid));
  try {
    linkSync(draft, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(draft);
  }
}

function holderOf(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // Released meanwhile.
  }
}

/** Runs a takeover under one folder-wide lock, so two processes never both replace one stale claim. */
function underTakeoverLock(takeOver: () => boolean): boolean {
  const lock = join(RESERVATIONS, '.takeover');
  try {
    mkdirSync(lock);
  } catch {
    // Held for microseconds; one left behind by a killed process is cleared after a while.
    try { if (Date.now() - statSync(lock).mtimeMs > 10_000) rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
    return false;
  }
  try {
    return takeOver();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Claims the port for this process, taking the claim over when its holder has exited. */
export function reserve(port: number): boolean {
  mkdirSync(RESERVATIONS, { recursive: true, mode: 0o1777 });
  const file = join(RESERVATIONS, String(port));
  if (createClaim(file)) return true;
  const holder = holderOf(file);
  if (holder === undefined) return createClaim(file);
  if (isLive(holder)) return false;
  return underTakeoverLock(() => {
    if (holderOf(file) !== holder) return false; // Taken over by someone else first.
    rmSync(file, { force: true });
    return createClaim(file);
  });
}

/** Clears the claims of processes that exited without releasing them (killed, or ended by a signal). */
function sweepStale(): void {
  underTakeoverLock(() => {
    for (const name of readdirSync(RESERVATIONS)) {
      if (!/^\d+$/.test(name)) continue;
      const holder = holderOf(join(RESERVATIONS, name));
      if (holder !== undefined && !isLive(holder)) rmSync(join(RESERVATIONS, name), { force: true });
    }
    return true;
  });
}

function release(port: number): void {
  held.delete(port);
  try { unlinkSync(join(RESERVATIONS, String(port))); } catch { /* already gone */ }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1, outside the ephemeral range, that nothing was listening on and that no
 * other process of this project holds. It stays reserved until this process exits.
 */
export async function freePort(): Promise<number> {
  if (firstUse) {
    firstUse = false;
    mkdirSync(RESERVATIONS, { recursive: true, mode: 0o1777 });
    sweepStale();
    process.once('exit', () => { for (const p of [...held]) release(p); });
  }
  const high = ephemeralLow() - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST + 1));
    if (held.has(port) || !reserve(port)) continue;
    held.add(port);
    if (await bindable(port)) return port;
    release(port); // Something outside this project listens there.
  }
  throw new Error(`no free port between ${LOWEST} and ${high} after 200 tries (reservations in ${RESERVATIONS})`);
}

export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) ports.push(await freePort());
  return ports;
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** A probe's verdict that waiting longer cannot help (the server exited): waitFor stops at once. */
export class NotStarting extends Error {
  override readonly name = 'NotStarting';
}

/**
 * Polls `probe` until it says ready. A probe that throws NotStarting ends the wait at once with
 * that error; other throws count as "not yet". `explain` adds what the caller knows on a timeout.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 15_000,
  intervalMs = 50,
  explain: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      if (err instanceof NotStarting) throw err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms${explain()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
