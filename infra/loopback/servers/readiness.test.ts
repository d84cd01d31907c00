// Starting fails fast and says why: a server that exits is reported at once with its log's last
// lines, nginx on a taken port is not mistaken for ready, and nothing is left running.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dirNginxPaths, renderNginxConf } from '../../render/nginx.js';
import { frontDoorPolicy } from '../../topology/components/edge.js';
import { parseStackConfig } from '../../topology/config.js';
import { nginxServer } from '../components.js';
import { CommandServer } from './command.js';
import { freePorts } from './ports.js';

const dir = mkdtempSync(join(tmpdir(), 'shortstack-readiness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('server readiness', () => {
  it('reports a server that exits while starting at once, with the last lines of its log', async () => {
    const [port] = (await freePorts(1)) as [number];
    const server = new CommandServer({
      name: 'doomed', port, command: '/bin/sh', args: ['-c', 'echo "config: KEY must be at least 16 characters" >&2; exit 3'],
      dir: join(dir, 'doomed'), readyTimeoutMs: 60_000,
    });
    const started = Date.now();
    await expect(server.start()).rejects.toThrow(/doomed exited while starting[\s\S]*KEY must be at least 16 characters/);
    // Long before the 60 s readiness timeout: the exit is the answer.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(server.isRunning()).toBe(false);
  });

  it('does not take another program\'s listener for nginx, and names the taken port', async () => {
    const [port, status] = (await freePorts(2)) as [number, number];
    const squatter: Server = createServer((s) => s.destroy());
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const nginxDir = join(dir, 'nginx');
    try {
      const confFile = join(dir, 'nginx.conf');
      writeFileSync(confFile, renderNginxConf({
        listen: { host: '127.0.0.1', port }, statusListen: { host: '127.0.0.1', port: status }, statusAllow: ['127.0.0.1'],
        upstreams: ['127.0.0.1:9'], policy: frontDoorPolicy(parseStackConfig({})), paths: dirNginxPaths(nginxDir), workerProcesses: 1,
      }));
      const nginx = nginxServer({ dir: nginxDir, port, confFile });
      await expect(nginx.start()).rejects.toThrow(/Address already in use/);
      expect(nginx.isRunning()).toBe(false);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});
