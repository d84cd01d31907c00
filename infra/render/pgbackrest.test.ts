import { describe, expect, it } from 'vitest';
import { dueBackup } from '../loopback/backup-schedule.js';
import { parseStackConfig } from '../topology/config.js';
import { archiveSettings, renderPgbackrestConf } from './pgbackrest.js';

const base = {
  stanza: 'shortstack', repoPath: '/backup/repo', pgPath: '/pg/data', pgPort: 5432, pgSocketPath: '/pg',
  retention: { full: 2, diff: 6 }, lockPath: '/b/lock', logPath: '/b/log', spoolPath: '/b/spool',
};

describe('pgbackrest.conf', () => {
  it('names the repository, the retention and the cluster under its stanza', () => {
    const conf = renderPgbackrestConf(base);
    expect(conf).toContain('repo1-path=/backup/repo\nrepo1-retention-full=2\nrepo1-retention-diff=6\n');
    expect(conf).toContain('[shortstack]\npg1-path=/pg/data\npg1-port=5432\npg1-socket-path=/pg\n');
    expect(conf).not.toContain('cipher');
    expect(conf).toContain('log-path=/b/log\nlog-level-console=warn\nlog-level-file=info\n');
    expect(conf).not.toContain('pg1-user');
  });

  it('logs to the console alone without a log folder, and logs in as a named role when given one (Docker)', () => {
    const { logPath: _none, ...docker } = base;
    const conf = renderPgbackrestConf({ ...docker, pgUser: 'shortstack' });
    expect(conf).not.toContain('log-path');
    expect(conf).toContain('log-level-file=off\n');
    expect(conf).toMatch(/pg1-socket-path=\/pg\npg1-user=shortstack\n$/);
  });

  it('encrypts the repository only when a passphrase is given', () => {
    const conf = renderPgbackrestConf({ ...base, cipherPass: 'pass-phrase' });
    expect(conf).toContain('repo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=pass-phrase\n');
  });

  it('puts the repository in an S3-compatible bucket when given one, under the same retention and cipher', () => {
    const s3 = { bucket: 'backups', endpoint: 'minio.internal:9000', region: 'us-east-1', uriStyle: 'path' as const, verifyTls: false, key: 'AK', keySecret: 'SK' };
    const conf = renderPgbackrestConf({ ...base, repoPath: '/shortstack/dev', s3, cipherPass: 'pass-phrase' });
    expect(conf).toContain([
      '[global]', 'repo1-type=s3', 'repo1-s3-bucket=backups', 'repo1-s3-endpoint=minio.internal:9000', 'repo1-s3-region=us-east-1',
      'repo1-s3-uri-style=path', 'repo1-s3-key=AK', 'repo1-s3-key-secret=SK', 'repo1-storage-verify-tls=n',
      'repo1-path=/shortstack/dev', 'repo1-retention-full=2', 'repo1-retention-diff=6', 'repo1-cipher-type=aes-256-cbc', 'repo1-cipher-pass=pass-phrase',
    ].join('\n'));
    expect(renderPgbackrestConf({ ...base, s3: { ...s3, verifyTls: true } })).not.toContain('verify-tls');
    // A private endpoint's CA: the check stays on and trusts it; with the check off it is not read.
    expect(renderPgbackrestConf({ ...base, s3: { ...s3, verifyTls: true, caFile: '/etc/ca.pem' } })).toContain('repo1-s3-key-secret=SK\nrepo1-storage-ca-file=/etc/ca.pem\n');
    expect(renderPgbackrestConf({ ...base, s3: { ...s3, caFile: '/etc/ca.pem' } })).not.toContain('ca-file');
    expect(renderPgbackrestConf(base)).not.toContain('repo1-type');
  });

  it('archives every WAL segment through pgBackRest, at most archive_timeout after it was written', () => {
    expect(archiveSettings({ stanza: 's', confFile: '/b/pgbackrest.conf', archiveTimeoutS: 30 })).toEqual({
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: 'pgbackrest --config=/b/pgbackrest.conf --stanza=s archive-push %p',
      archive_timeout: '30s',
      track_commit_timestamp: 'on',
    });
  });

  it('takes retention and the archive timeout from stack config, within the RPO aim', () => {
    expect(parseStackConfig({}).backup).toEqual({ retentionFull: 2, retentionDiff: 6, archiveTimeoutS: 60, fullEveryHours: 24, diffEveryHours: 1 });
    expect(parseStackConfig({ backup: { retentionFull: 4, archiveTimeoutS: 15 } }).backup).toMatchObject({ retentionFull: 4, retentionDiff: 6, archiveTimeoutS: 15 });
    expect(() => parseStackConfig({ backup: { archiveTimeoutS: 300 } })).toThrow(/backup\.archiveTimeoutS/);
  });
});

describe('backup schedule', () => {
  const h = 3_600_000;
  const s = { fullEveryHours: 24, diffEveryHours: 1 };
  it('takes a full first, a differential each hour, a full each day', () => {
    expect(dueBackup(s, {}, 0)).toBe('full');
    expect(dueBackup(s, { fullMs: 0, anyMs: 0 }, 0.5 * h)).toBeUndefined();
    expect(dueBackup(s, { fullMs: 0, anyMs: 0 }, 1 * h)).toBe('diff');
    expect(dueBackup(s, { fullMs: 0, anyMs: 23 * h }, 23.5 * h)).toBeUndefined();
    expect(dueBackup(s, { fullMs: 0, anyMs: 23.5 * h }, 24 * h)).toBe('full');
  });
});
