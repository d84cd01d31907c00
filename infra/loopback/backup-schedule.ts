// `npm run local`'s backup schedule: a full backup once the stack is up, then a differential
// every `diffEveryHours` and a full every `fullEveryHours` (stack config `backup`). Continuous
// WAL archiving covers the time between them; a failed backup is logged and retried next time.
import type { BackupType, LoopbackBackups } from './backups.js';

export interface BackupSchedule {
  fullEveryHours: number;
  diffEveryHours: number;
}

/** Which backup is due at `nowMs`, given when the last full and last backup of any type ended. */
export function dueBackup(s: BackupSchedule, last: { fullMs?: number; anyMs?: number }, nowMs: number): BackupType | undefined {
  const h = 3_600_000;
  if (last.fullMs === undefined || nowMs - last.fullMs >= s.fullEveryHours * h) return 'full';
  if (last.anyMs === undefined || nowMs - last.anyMs >= s.diffEveryHours * h) return 'diff';
  return undefined;
}

/** Checks once a minute; the returned function stops the schedule. */
export function scheduleBackups(backups: Pick<LoopbackBackups, 'take'>, s: BackupSchedule, log: (line: string) => void): () => void {
  const last: { fullMs?: number; anyMs?: number } = {};
  let running = false;
  const tick = async () => {
    const type = dueBackup(s, last, Date.now());
    if (running || type === undefined) return;
    running = true;
    try {
      const t0 = Date.now();
      await backups.take(type);
      last.anyMs = Date.now();
      if (type === 'full') last.fullMs = last.anyMs;
      log(`backup: ${type} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      log(`backup: ${type} failed, retried in a minute: ${(err as Error).message}`);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), 60_000);
  return () => clearInterval(timer);
}
