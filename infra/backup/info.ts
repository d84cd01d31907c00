// `pgbackrest info --output=json` as the backup list and the figures the metrics need: pure.

export interface BackupEntry {
  label: string;
  type: 'full' | 'diff' | 'incr';
  start: Date;
  stop: Date;
  /** The cluster's size, and what this backup added to the repository (compressed, deduplicated). */
  databaseBytes: number;
  repoBytes: number;
  /** WAL from start to stop: the earliest point this backup can restore to is its stop time. */
  walStart: string;
  walStop: string;
}

export interface StanzaInfo {
  stanza: string;
  status: string;
  cipher: string;
  backups: BackupEntry[];
  /** The oldest and newest archived WAL segments (current database). */
  archive: { min?: string; max?: string };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function parseBackupInfo(json: unknown): StanzaInfo[] {
  if (!Array.isArray(json)) throw new Error('pgbackrest info: expected a JSON array of stanzas');
  return json.map((raw) => {
    const s = obj(raw);
    const archives = Array.isArray(s.archive) ? s.archive.map(obj) : [];
    const current = archives.at(-1) ?? {};
    const backups = (Array.isArray(s.backup) ? s.backup.map(obj) : []).map((b): BackupEntry => {
      const ts = obj(b.timestamp);
      const info = obj(b.info);
      const archive = obj(b.archive);
      return {
        label: str(b.label),
        type: str(b.type) as BackupEntry['type'],
        start: new Date(num(ts.start) * 1000),
        stop: new Date(num(ts.stop) * 1000),
        databaseBytes: num(info.size),
        repoBytes: num(obj(info.repository).delta),
        walStart: str(archive.start),
        walStop: str(archive.stop),
      };
    });
    const min = str(current.min);
    const max = str(current.max);
    return {
      stanza: str(s.name),
      status: str(obj(s.status).message),
      cipher: str(s.cipher),
      backups,
      archive: { ...(min ? { min } : {}), ...(max ? { max } : {}) },
    };
  });
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** The list `npm run backup -- --list` prints: one line a backup, oldest first, then the WAL range. */
export function renderBackupList(stanzas: readonly StanzaInfo[]): string {
  const lines: string[] = [];
  for (const s of stanzas) {
    lines.push(`stanza ${s.stanza}: ${s.status}${s.cipher && s.cipher !== 'none' ? ` (encrypted, ${s.cipher})` : ''}`);
    if (s.backups.length === 0) lines.push('  no backups yet');
    for (const b of s.backups) {
      lines.push(`  ${b.label.padEnd(36)} ${b.type.padEnd(4)} ${b.stop.toISOString()}  database ${mb(b.databaseBytes)}, repository +${mb(b.repoBytes)}`);
    }
    const oldest = s.backups[0];
    if (oldest) lines.push(`  restorable from ${oldest.stop.toISOString()} to the newest archived WAL (${s.archive.max ?? 'none'})`);
  }
  return lines.join('\n');
}
