// What every placement receives and returns. A placement decides where components live and how
// they start; what they are comes from the topology.
import type { Output } from '@pulumi/pulumi';
import type { StackConfig } from '../topology/config.js';
import type { Topology } from '../topology/types.js';
import type { StackSecrets } from './secrets.js';

export { awsNames, dockerContainerName, resourcePrefix } from '../topology/resource-names.js';

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
