// What the alert definitions and the runbook need to know about a deployment, given by the
// caller (infra builds it from the topology and the placements' names: infra/topology/
// alerts-context.ts), as a kube-prometheus mixin takes its `_config`. alerts/ imports nothing
// from infra/: the facts flow in through this object.

/** The AWS placement's resource names for one stack. */
export interface AwsNames {
  cluster: string;
  service: (component: string) => string;
  logGroup: (component: string) => string;
  rdsInstance: string;
  cacheGroup: string;
  /** Target groups are auto-named from this prefix (a random suffix follows). */
  targetGroupPrefix: string;
}

export interface AlertsContext {
  docker: {
    /** The stack the runbook's Docker commands show (the default stack). */
    stack: string;
    /** Container labels that find an instance's running container. */
    labels: { stack: string; instance: string };
    /** Published ports of the default stack config. */
    publicPort: number;
    localPorts: { grafana: number; prometheus: number; alertmanager: number };
    /** The restore to a point in time, as the commands `npm run restore` prints for a stack. */
    restorePlan: (stack: string, at: Date) => string[];
  };
  /** pgBackRest's stanza, and its config file inside the backup container. */
  backup: { stanza: string; config: string };
  aws: {
    /** The runbook's example AWS stack (`pulumi up --stack prod`). */
    stack: string;
    names: AwsNames;
  };
  database: { name: string; user: string };
  /** PgBouncer's listening port inside its task. */
  pgbouncerPort: number;
  /** Where a component's config file / secret file is inside its container. */
  configPath: (file: string) => string;
  secretPath: (file: string) => string;
}
