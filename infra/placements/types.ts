// What every placement receives and returns. A placement decides where components live and how
// they start; what they are comes from the topology.
import type { Output } from '@pulumi/pulumi';
import type { StackConfig } from '../topology/config.js';
import type { Topology } from '../topology/types.js';
import type { StackSecrets } from './secrets.js';

/** Prefix of every named resource of a stack (containers, networks, volumes, services). */
export const resourcePrefix = (stackName: string): string => `shortstack-${stackName}`;

/** A Docker container's name: `shortstack-<stack>-<instance>` (e.g. shortstack-dev-app-2). */
export const dockerContainerName = (stackName: string, instance: string): string => `${resourcePrefix(stackName)}-${instance}`;

export interface PlacementArgs {
  /** Prefix for every named resource (containers, networks, volumes): `shortstack-<stack>`. */
  prefix: string;
  stackName: string;
  config: StackConfig;
  topology: Topology;
  secrets: StackSecrets;
}

export interface PlacementOutputs {
  frontDoorUrl: Output<string> | string;
  /** Dashboard title -> URL. */
  dashboardUrls: Record<string, string>;
  grafanaUrl: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Where the UIs are not published (AWS): the command that forwards each to its local port. */
  portForward?: Record<string, string>;
  /** Each service's running task definition once steady (AWS): an `up` whose deployment rolled back fails here. */
  deployments?: Output<Record<string, string>>;
  /**
   * The exact app image the stack runs: an image id or a registry digest (a tag only when the
   * stack is configured with one). `npm run promote` reads it from the source stack and checks
   * it on the target after `up`.
   */
  appImage: Output<string> | string;
  /** AWS: the stack's ECR repository, where a promotion from Docker pushes the image. */
  appRepository?: Output<string>;
}

export type Placement = (args: PlacementArgs) => PlacementOutputs;

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
