// `npm start`: one replica. Configuration from the environment, graceful stop on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.js';
import { REPLICA_PROCESS_TITLE } from './process-title.js';
import { createLogger, createService } from './service.js';

async function main(): Promise<void> {
  process.title = REPLICA_PROCESS_TITLE;
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: err.message, problems: err.problems })}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config);
  const service = await createService(config, logger);
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    service.stop().then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await service.listen();
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'startup failed', err: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
