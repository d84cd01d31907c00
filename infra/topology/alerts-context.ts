// What alerts/ needs to know of a deployment (AlertsContext), built here from the topology's
// names, the placements' resource names and the stack config's defaults: alerts/ imports
// nothing from infra/, infra hands it these facts.
import type { AlertsContext } from '../../alerts/context.js';
import { dockerCommands } from '../backup/docker-commands.js';
import { PGBACKREST_CONF } from './components/backup.js';
import { parseStackConfig } from './config.js';
import { CONTAINER_LABELS, configPath, secretPath } from './context.js';
import { BACKUP_STANZA, DATABASE, DEV_STACK, PORTS } from './names.js';
import { awsNames } from './resource-names.js';

/** The stacks the runbook's commands show: the default Docker stack and an example AWS one. */
export const RUNBOOK_STACKS = { docker: DEV_STACK, aws: 'prod' } as const;

export function alertsContext(): AlertsContext {
  // The published ports of the default stack config, so the runbook follows the topology.
  const defaults = parseStackConfig({});
  return {
    docker: {
      stack: RUNBOOK_STACKS.docker,
      labels: { stack: CONTAINER_LABELS.stack, instance: CONTAINER_LABELS.instance },
      publicPort: defaults.publicPort,
      localPorts: defaults.localPorts,
      restorePlan: (stack, at) => dockerCommands(stack, { kind: 'restore', target: { kind: 'time', at } }),
    },
    backup: { stanza: BACKUP_STANZA, config: PGBACKREST_CONF },
    aws: { stack: RUNBOOK_STACKS.aws, names: awsNames(RUNBOOK_STACKS.aws) },
    database: DATABASE,
    pgbouncerPort: PORTS.pgbouncer.postgres,
    configPath,
    secretPath,
  };
}
