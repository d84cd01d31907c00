// The exporter metric names of the catalogue, checked against the exporters' real output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxExporter, nodeExporter, postgresExporter, redisExporter } from '../infra/loopback/components.js';
import { startDataServices, type DataServices } from '../infra/loopback/data-services.js';
import { scrapePgbouncer } from '../infra/loopback/exporters/pgbouncer-exporter.js';
import { CommandServer } from '../infra/loopback/servers/command.js';
import { freePorts } from '../infra/loopback/servers/ports.js';
import { BACKUP_METRICS_FILE, renderBackupMetrics } from './backup-metrics.js';
import { ARCHIVE_METRICS, BACKUP_METRICS, EXPORTER_METRICS, NODE_METRICS, PGBOUNCER_METRICS, type MetricSource } from './metrics-catalog.js';
import { renderPostgresQueries } from './postgres-queries.js';

describe('exporter metrics in the catalogue', () => {
  let ds: DataServices;
  const servers: CommandServer[] = [];
  const exposition: Partial<Record<MetricSource, string>> = {};

  beforeAll(async () => {
    ds = await startDataServices();
    const dir = join(ds.dir, 'exporters');
    mkdirSync(dir, { recursive: true });
    const [nginxPort, statusPort, nginxExp, pgExp, redisExp, nodeExp] = (await freePorts(6)) as [number, number, number, number, number, number];
    // Only stub_status matters here; the real nginx.conf is infra's and tested there.
    writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log;
events {}
http { access_log off; client_body_temp_path ${dir}/tmp;
  server { listen 127.0.0.1:${nginxPort}; location / { return 204; } }
  server { listen 127.0.0.1:${statusPort}; location = /stub_status { stub_status; } } }
`);
    const nginx = new CommandServer({ name: 'nginx', port: nginxPort, command: '/usr/sbin/nginx', args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], dir, stopSignal: 'SIGQUIT' });
    servers.push(nginx);
    await nginx.start();
    // The archive queries as the loopback stack runs them (as the app's role, a member of
    // pg_monitor: the archive status folder needs it), and the backup figures as the backup commands write them.
    const queriesFile = join(dir, 'queries.yaml');
    writeFileSync(queriesFile, renderPostgresQueries());
    const textfileDir = join(dir, 'textfile');
    mkdirSync(textfileDir);
    writeFileSync(join(textfileDir, BACKUP_METRICS_FILE), renderBackupMetrics([
      { stanza: 'shortstack', backups: [{ type: 'full', stop: new Date(), repoBytes: 4096 }, { type: 'diff', stop: new Date(), repoBytes: 512 }] },
    ]));
    const direct = new URL(ds.directDatabaseUrl);
    const exporters: [MetricSource, CommandServer][] = [
      ['nginx-exporter', nginxExporter({ dir, port: nginxExp, stubStatusUrl: `http://127.0.0.1:${statusPort}/stub_status` })],
      ['postgres-exporter', postgresExporter({ dir, port: pgExp, postgresPort: Number(direct.port), password: decodeURIComponent(direct.password), queriesFile })],
      ['redis-exporter', redisExporter({ dir, port: redisExp, redisUrl: ds.redisUrl })],
      ['node-exporter', nodeExporter({ dir, port: nodeExp, textfileDir })],
    ];
    servers.push(...exporters.map(([, s]) => s));
    await Promise.all(exporters.map(([, s]) => s.start()));
    for (const [source, s] of exporters) exposition[source] = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
    exposition['pgbouncer-exporter'] = await scrapePgbouncer({
      host: '127.0.0.1', port: ds.pgbouncer.port, user: ds.statsUser.name, password: ds.statsUser.password,
    });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await ds?.stop();
  });

  it('are exported, with their type, by the exporter the catalogue names', () => {
    const missing = [...EXPORTER_METRICS, ...PGBOUNCER_METRICS, ...NODE_METRICS, ...ARCHIVE_METRICS, ...BACKUP_METRICS]
      .filter((e) => {
        const text = exposition[e.source] ?? '';
        return !new RegExp(`^# TYPE ${e.name} ${e.type}$`, 'm').test(text);
      })
      .map((e) => `${e.source}: ${e.name} (${e.type})`);
    expect(missing).toEqual([]);
  });

  it('report the servers up', () => {
    expect(exposition['nginx-exporter']).toMatch(/^nginx_up 1$/m);
    expect(exposition['postgres-exporter']).toMatch(/^pg_up 1$/m);
    expect(exposition['redis-exporter']).toMatch(/^redis_up 1$/m);
    expect(exposition['pgbouncer-exporter']).toMatch(/^pgbouncer_up 1$/m);
  });

  it('count archived WAL and the repository\'s backups', () => {
    expect(exposition['postgres-exporter']).toMatch(/^pg_stat_archiver_failed_count\{server="[^"]+"\} 0$/m);
    expect(exposition['postgres-exporter']).toMatch(/^pg_archive_ready_segments\{server="[^"]+"\} 0$/m);
    expect(exposition['node-exporter']).toMatch(/^shortstack_backup_repository_bytes\{stanza="shortstack"\} 4608$/m);
    expect(exposition['node-exporter']).toMatch(/^shortstack_backup_kept\{stanza="shortstack"\} 2$/m);
  });
});
