// The loopback renders from the topology like the Docker placement: for the same stack config,
// each loopback config file equals the Docker placement's after normalizing addresses, ports and
// paths alone, and the differences named in differences.ts (each one's lines known here). A
// differing pool size, maxmemory or replica count is none of those, and fails.
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DRAIN_PATH } from '../render/nginx-drain.js';
import { hostPort } from '../topology/addressing.js';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import type { ComponentName } from '../topology/names.js';
import { resolveText } from '../topology/types.js';
import { appUpstreams } from '../topology/wiring.js';
import { loopbackAddressing } from './addressing.js';
import { alertmanagerServer, nodeExporter, prometheusServer } from './components.js';
import {
  loopbackAlertmanagerYml, loopbackBlackboxYml, loopbackContext, loopbackNginxConf, loopbackPgbouncerIni, loopbackPrometheusYml, loopbackRedisConf,
  loopbackRedisPasswords,
} from './configs.js';
import { LOOPBACK_DIFFERENCES, type LoopbackDifference } from './differences.js';
import { generatedSecrets } from './secrets.js';

type File = LoopbackDifference['file'] | 'redis.conf' | 'redis-passwords.json' | 'prometheus argv' | 'alertmanager argv';
type Raw = Record<string, unknown>;

const secrets = generatedSecrets();
/** Where a loopback stack keeps its files: only paths, nothing is written. */
const DIR = '/var/tmp/shortstack-local';

/** The Docker placement's files for this stack config, as the topology hands them to it. */
function dockerFiles(raw: Raw): Record<File, string> {
  const topo = buildTopology(parseStackConfig(raw), 'local');
  const file = (component: ComponentName, name: string) => {
    const f = topo.component(component).files.find((x) => x.path.endsWith(`/${name}`));
    if (!f) throw new Error(`${component} has no ${name}`);
    return resolveText(f.content, secrets);
  };
  return {
    'nginx.conf': file('nginx', 'nginx.conf'),
    'pgbouncer.ini': file('pgbouncer', 'pgbouncer.ini'),
    'redis.conf': file('redis', 'redis.conf'),
    'prometheus.yml': file('prometheus', 'prometheus.yml'),
    'alertmanager.yml': file('alertmanager', 'alertmanager.yml'),
    'blackbox.yml': file('blackbox-exporter', 'blackbox.yml'),
    'redis-passwords.json': file('redis-exporter', 'redis-passwords.json'),
    'node-exporter argv': (topo.component('node-exporter').command ?? []).map((t) => resolveText(t, secrets)).join('\n'),
    'prometheus argv': (topo.component('prometheus').command ?? []).map((t) => resolveText(t, secrets)).join('\n'),
    'alertmanager argv': (topo.component('alertmanager').command ?? []).map((t) => resolveText(t, secrets)).join('\n'),
  };
}

/** The loopback's files for this stack config, from the functions the loopback stack writes them with. */
async function loopbackFiles(raw: Raw): Promise<Record<File, string>> {
  const config = parseStackConfig(raw);
  const addr = await loopbackAddressing(config.replicas);
  const ctx = loopbackContext(config, addr);
  const ruleFiles = ['shortstack-recording.yml', 'shortstack-alerts.yml'].map((f) => `${DIR}/prometheus/rules/${f}`);
  return {
    'nginx.conf': loopbackNginxConf(ctx, { dir: `${DIR}/nginx`, upstreams: appUpstreams(config.replicas, addr), drainFlagFile: `${DIR}/nginx/drain` }),
    'pgbouncer.ini': loopbackPgbouncerIni(ctx, `${DIR}/pgbouncer`),
    'redis.conf': loopbackRedisConf(ctx, { listen: addr.endpoint('redis', 'redis'), dir: `${DIR}/redis`, authFile: `${DIR}/redis/redis-auth.conf` }),
    'prometheus.yml': loopbackPrometheusYml(ctx, { ruleFiles, tls: false }),
    'alertmanager.yml': loopbackAlertmanagerYml(config, secrets),
    'blackbox.yml': loopbackBlackboxYml(ctx),
    // The URL the data services hand the exporter (RedisServer.url()).
    'redis-passwords.json': loopbackRedisPasswords(`redis://:${secrets.redisPassword}@${hostPort(addr.endpoint('redis', 'redis'))}`).content,
    // The binary aside: the image's entrypoint is the exporter, its command these flags.
    'node-exporter argv': nodeExporter({ dir: `${DIR}/node-exporter`, port: addr.port('node-exporter', 'metrics'), textfileDir: `${DIR}/pgbackrest/metrics` })
      .argv.slice(1).join('\n'),
    'prometheus argv': prometheusServer({ dir: `${DIR}/prometheus`, port: addr.port('prometheus', 'http'), configFile: `${DIR}/prometheus/prometheus.yml` })
      .argv.slice(1).join('\n'),
    'alertmanager argv': alertmanagerServer({ dir: `${DIR}/alertmanager`, port: addr.port('alertmanager', 'http'), configFile: `${DIR}/alertmanager/alertmanager.yml` })
      .argv.slice(1).join('\n'),
  };
}

const HOST_PORT = String.raw`[\w.-]+:\d+`;
const PATH = String.raw`/[^\s;"']+`;
const replace = (pairs: Array<[RegExp, string]>) => (t: string) => pairs.reduce((acc, [re, by]) => acc.replace(re, by), t);

/** Addresses, ports and paths only, each in the one place its file holds one. */
const NORMALIZE: Record<File, (text: string) => string> = {
  'nginx.conf': replace([
    [new RegExp(String.raw`^(\s*listen )(?:[\d.]+:)?\d+`, 'gm'), '$1<addr>'],
    [new RegExp(String.raw`^(\s*server )${HOST_PORT}`, 'gm'), '$1<addr>'],
    [new RegExp(String.raw`^(\s*(?:pid|error_log|access_log|\w+_temp_path) )(?:${PATH}|stderr)`, 'gm'), '$1<path>'],
  ]),
  'pgbouncer.ini': replace([
    [/ host=\S+ port=\d+ /, ' host=<addr> port=<port> '],
    [/^listen_addr = .*$/m, 'listen_addr = <addr>'],
    [/^listen_port = \d+$/m, 'listen_port = <port>'],
    [new RegExp(String.raw`^((?:auth_file|logfile|pidfile) = )${PATH}$`, 'gm'), '$1<path>'],
  ]),
  'redis.conf': replace([
    [/^bind .*$/m, 'bind <addr>'],
    [/^port \d+$/m, 'port <port>'],
    [/^(dir|include) ".*"$/gm, '$1 "<path>"'],
  ]),
  // YAML: string values that are a host:port (or a URL's), and the rule files' paths.
  'prometheus.yml': (t) => stringify(normalizeYaml(parse(t) as unknown)),
  'alertmanager.yml': (t) => t,
  'blackbox.yml': (t) => t,
  'node-exporter argv': replace([
    [/^(--web\.listen-address=).*$/m, '$1<addr>'],
    [/^(--collector\.textfile\.directory=).*$/m, '$1<path>'],
  ]),
  'prometheus argv': replace([
    [/^(--(?:config\.file|storage\.tsdb\.path)=).*$/gm, '$1<path>'],
    [/^(--web\.listen-address=).*$/m, '$1<addr>'],
    [/^(--web\.external-url=http:\/\/)[^/]+\/$/m, '$1<addr>/'],
  ]),
  'alertmanager argv': replace([
    [/^(--(?:config\.file|storage\.path)=).*$/gm, '$1<path>'],
    [/^(--web\.listen-address=).*$/m, '$1<addr>'],
    [/^(--web\.external-url=http:\/\/)[^/]+\/$/m, '$1<addr>/'],
  ]),
  'redis-passwords.json': replace([[new RegExp(String.raw`^\{"redis://${HOST_PORT}":`), '{"redis://<addr>":']]),
};

function normalizeYaml(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalizeYaml(x, key));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeYaml(x, k)]));
  if (typeof v !== 'string') return v;
  if (key === 'rule_files' && v.startsWith('/')) return '<path>';
  return v.replace(new RegExp(String.raw`^((?:https?://)?)${HOST_PORT}(?=/|$)`), '$1<addr>');
}

const dropLines = (re: RegExp) => (t: string) => t.split('\n').filter((l) => !re.test(l)).join('\n');

/**
 * How each named difference shows in its file, after normalizing: the lines it adds or changes,
 * taken out of both sides. Every entry of LOOPBACK_DIFFERENCES has one (a new difference must be
 * described here before it passes).
 */
const SHOWS_AS: Record<keyof typeof LOOPBACK_DIFFERENCES, (text: string) => string> = {
  nginxWorkerProcesses: dropLines(/^worker_processes /),
  // One `server` line per replica on loopback and one re-resolved name on Docker: after the
  // addresses are normalized, the same line once, without `resolve` and its resolver.
  nginxUpstreams: (t) => dropLines(/^\s*(?:zone app |resolver |resolver_timeout )/)(t)
    // `resolve` and the fail_timeout that outlasts a re-resolution (render/nginx.ts resolvedFailTimeoutS) go together.
    .replace(/^(\s*server <addr> .*?) fail_timeout=\d+s resolve;$/gm, '$1 fail_timeout=<resolved>;')
    .replace(/^(\s*server <addr> .*?) fail_timeout=\d+s;$/gm, '$1 fail_timeout=<resolved>;')
    .replace(/^(\s*server <addr> .*\n)(?:\1)+/gm, '$1'),
  nginxDrain: (t) => t
    .replace(new RegExp(String.raw`^\s*if \(-f ${PATH}\) \{\n\s*rewrite \^ ${DRAIN_PATH} last;\n\s*\}\n`, 'gm'), '')
    .replace(new RegExp(String.raw`^(\s*)location = ${DRAIN_PATH} \{\n[\s\S]*?\n\1\}\n\n`, 'm'), ''),
  pgbouncerFiles: dropLines(/^(?:logfile|pidfile) = /),
  nodeExporterFsTypes: dropLines(/^--collector\.filesystem\.fs-types-exclude=/),
  // Opt-in: this test's stack has no HTTPS (the TLS tests cover the loopback's).
  tls: (t) => t,
  // Opt-in: only a test that passes its own intervals, receivers or timing.
  testKnobs: (t) => t,
};

type Key = keyof typeof LOOPBACK_DIFFERENCES;
const keys = Object.keys(LOOPBACK_DIFFERENCES) as Key[];
/** Differences only a caller's option brings in: none shows in the files compared here. */
const OPT_IN: Key[] = ['tls', 'testKnobs'];

/** A file as compared: normalized, then each named difference of that file taken out (`skip` aside). */
function comparable(file: File, text: string, skip?: Key): string {
  const named = keys.filter((k) => k !== skip && LOOPBACK_DIFFERENCES[k].file === file);
  return named.reduce((t, k) => SHOWS_AS[k](t), NORMALIZE[file](text));
}

const FILES: File[] = [
  'nginx.conf', 'pgbouncer.ini', 'redis.conf', 'prometheus.yml', 'alertmanager.yml', 'blackbox.yml', 'redis-passwords.json', 'node-exporter argv',
  'prometheus argv', 'alertmanager argv',
];

const STACKS: Record<string, Raw> = {
  defaults: {},
  larger: {
    replicas: 3,
    pools: { pgbouncerPoolSize: 30, pgbouncerMaxClientConn: 2000 },
    cache: { redisMaxMemoryMb: 512 },
    nginx: { workerConnections: 2048 },
  },
};

describe('the loopback renders from the topology like the Docker placement', () => {
  for (const [name, raw] of Object.entries(STACKS)) {
    it(`renders each config file of the ${name} stack as Docker does, but for addresses, ports, paths and the named differences`, async () => {
      const [docker, loop] = [dockerFiles(raw), await loopbackFiles(raw)];
      for (const f of FILES) expect([f, comparable(f, loop[f])]).toEqual([f, comparable(f, docker[f])]);
    });
  }

  it('takes the stack config\'s values (pool size 20, maxmemory 256 by default), not defaults of its own', async () => {
    const loop = await loopbackFiles({});
    const config = parseStackConfig({});
    expect(loop['pgbouncer.ini']).toContain(`default_pool_size = ${config.pools.pgbouncerPoolSize}\n`);
    expect(config.pools.pgbouncerPoolSize).toBe(20);
    expect(loop['redis.conf']).toContain(`maxmemory ${config.cache.redisMaxMemoryMb}mb\n`);
  });

  it('fails on a differing pool size, maxmemory, client limit, worker connections or replica count: the normalization is narrow', async () => {
    const docker = dockerFiles({});
    const cases: Array<[File, Raw]> = [
      ['pgbouncer.ini', { pools: { pgbouncerPoolSize: 21 } }],
      ['pgbouncer.ini', { pools: { pgbouncerMaxClientConn: 999 } }],
      ['redis.conf', { cache: { redisMaxMemoryMb: 300 } }],
      ['nginx.conf', { nginx: { workerConnections: 2048 } }],
      ['prometheus.yml', { replicas: 3 }],
    ];
    for (const [file, raw] of cases) {
      const loop = await loopbackFiles(raw);
      expect([file, raw, comparable(file, loop[file])]).not.toEqual([file, raw, comparable(file, docker[file])]);
    }
  });

  it('needs each named difference that shows in these files: none is a blanket', async () => {
    const [docker, loop] = [dockerFiles({ replicas: 2 }), await loopbackFiles({ replicas: 2 })];
    const showing = keys.filter((k) => !OPT_IN.includes(k));
    expect(showing.sort()).toEqual(['nginxDrain', 'nginxUpstreams', 'nginxWorkerProcesses', 'nodeExporterFsTypes', 'pgbouncerFiles']);
    for (const k of showing) {
      const f = LOOPBACK_DIFFERENCES[k].file;
      expect([k, comparable(f, loop[f], k)]).not.toEqual([k, comparable(f, docker[f], k)]);
    }
  });
});
