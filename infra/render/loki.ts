// Loki's config: one process, filesystem storage, a week of logs. Pure; the placement gives the
// port and the data folder.
import { stringify } from 'yaml';

export interface LokiConfigInput {
  httpPort: number;
  grpcPort?: number;
  /** Where chunks, index and the compactor's work live (a volume). */
  dataDir: string;
  retentionHours?: number;
}

export function renderLokiConfig(input: LokiConfigInput): string {
  const retention = `${input.retentionHours ?? 168}h`;
  const config = {
    auth_enabled: false,
    server: { http_listen_port: input.httpPort, grpc_listen_port: input.grpcPort ?? 9096, log_level: 'warn' },
    common: {
      instance_addr: '127.0.0.1',
      path_prefix: input.dataDir,
      storage: { filesystem: { chunks_directory: `${input.dataDir}/chunks`, rules_directory: `${input.dataDir}/rules` } },
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
    },
    schema_config: {
      configs: [{
        from: '2024-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13',
        index: { prefix: 'index_', period: '24h' },
      }],
    },
    limits_config: {
      retention_period: retention,
      reject_old_samples: true,
      reject_old_samples_max_age: retention,
      allow_structured_metadata: true,
    },
    // The compactor is what applies retention_period.
    compactor: {
      working_directory: `${input.dataDir}/compactor`,
      retention_enabled: true,
      delete_request_store: 'filesystem',
    },
    analytics: { reporting_enabled: false },
  };
  return stringify(config, { lineWidth: 0 });
}
