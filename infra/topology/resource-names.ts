// The names placements give a stack's resources: data the runbook shows too (alerts-context.ts),
// so they live with the topology's other names rather than in a placement.

/** Prefix of every named resource of a stack (containers, networks, volumes, services). */
export const resourcePrefix = (stackName: string): string => `shortstack-${stackName}`;

/** A Docker container's name: `shortstack-<stack>-<instance>` (e.g. shortstack-dev-app-2). */
export const dockerContainerName = (stackName: string, instance: string): string => `${resourcePrefix(stackName)}-${instance}`;

/**
 * The AWS placement's names for a stack: what the runbook's commands and the placement share.
 * ECS services are `<prefix>-<component>` in the cluster `<prefix>`; the containers keep the
 * component's name.
 */
export function awsNames(stackName: string) {
  const prefix = resourcePrefix(stackName);
  return {
    cluster: prefix,
    service: (component: string) => `${prefix}-${component}`,
    logGroup: (component: string) => `/${prefix}/${component}`,
    /** Every log group of the stack (IAM resource patterns). */
    logGroups: `/${prefix}/*`,
    secret: (component: string) => `${prefix}/${component}`,
    rdsInstance: `${prefix}-postgres`,
    cacheGroup: `${prefix}-redis`,
    /** Target groups are auto-named from this prefix (a random suffix follows). */
    targetGroupPrefix: `${prefix}-nginx`,
  };
}
