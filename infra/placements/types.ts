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
}

export type Placement = (args: PlacementArgs) => PlacementOutputs;
