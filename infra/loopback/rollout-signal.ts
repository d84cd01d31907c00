// `npm run local`'s rollout trigger: SIGUSR2 to the stack's process replaces every replica in
// turn (stack.rollout()). A signal rather than a control port: nothing new listens, and only the
// process's owner (or root) can send it. SIGUSR1 is taken by Node's inspector.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoopbackStack } from './stack.js';

export const ROLLOUT_SIGNAL = 'SIGUSR2';
/** Written into the stack's folder, so `kill -USR2 $(cat DIR/local.pid)` needs no `ps`. */
export const PID_FILE = 'local.pid';

export function rolloutHint(dir: string, pid = process.pid): string {
  return `rollout: kill -USR2 ${pid}   (or kill -USR2 $(cat ${join(dir, PID_FILE)}))`;
}

export interface RolloutTrigger {
  /** What the signal does: start a rollout unless one runs or the stack is stopping. */
  (): Promise<void>;
}

/** The signal's handler; the stack keeps serving whatever the outcome, and says what happened. */
export function rolloutTrigger(
  stack: Pick<LoopbackStack, 'rollout'>,
  isStopping: () => boolean,
  out: { log(line: string): void; error(line: string): void } = console,
): RolloutTrigger {
  let running = false;
  return async () => {
    if (isStopping()) return;
    if (running) {
      out.log('rollout: one is already running; signal ignored');
      return;
    }
    running = true;
    const t0 = Date.now();
    out.log('rollout: replacing every replica in turn');
    try {
      const steps = await stack.rollout({ log: (l) => out.log(`rollout: ${l}`) });
      out.log(`rollout: done, ${steps.length} replicas replaced in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      out.error(`rollout: failed, the replicas in service keep serving: ${(err as Error).message}`);
    } finally {
      running = false;
    }
  };
}

/** Installs the handler and writes the pid file; the returned function removes the pid file again. */
export function listenForRollout(stack: Pick<LoopbackStack, 'rollout' | 'dir'>, isStopping: () => boolean): () => void {
  const pidFile = join(stack.dir, PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`);
  const trigger = rolloutTrigger(stack, isStopping);
  process.on(ROLLOUT_SIGNAL, () => void trigger());
  // A stale pid file would aim the next `kill -USR2` at whatever process reuses the pid, and
  // SIGUSR2's default action is to end it.
  return () => rmSync(pidFile, { force: true });
}
