// A deployment context for alerts/'s own tests, with made-up names: the rules and their
// promtool tests hold for any deployment. Infra's real context is tested with the runbook it
// renders (infra/test/runbook.test.ts).
import type { AlertsContext } from '../context.js';

export const TEST_CONTEXT: AlertsContext = {
  docker: {
    stack: 'test',
    labels: { stack: 'test.stack', instance: 'test.instance' },
    publicPort: 18080,
    localPorts: { grafana: 13000, prometheus: 19090, alertmanager: 19093 },
    restorePlan: (stack, at) => [`restore ${stack} to ${at.toISOString()}`],
  },
  backup: { stanza: 'teststanza', config: '/test/secrets/pgbackrest.conf' },
  aws: {
    stack: 'example',
    names: {
      cluster: 'example-cluster',
      service: (c) => `example-${c}`,
      logGroup: (c) => `/example/${c}`,
      rdsInstance: 'example-postgres',
      cacheGroup: 'example-redis',
      targetGroupPrefix: 'example-nginx',
    },
  },
  database: { name: 'testdb', user: 'tester' },
  pgbouncerPort: 16432,
  configPath: (f) => `/test/config/${f}`,
  secretPath: (f) => `/test/secrets/${f}`,
};
