// The Pulumi program: read and validate the stack's config, build the topology, hand it to the
// placement the stack names. infra/index.ts exports what this returns as stack outputs.
import * as pulumi from '@pulumi/pulumi';
import { awsPlacement } from './placements/aws/index.js';
import { dockerPlacement } from './placements/docker/index.js';
import { stackSecrets } from './placements/secrets.js';
import { resourcePrefix, type Placement } from './placements/types.js';
import { buildTopology } from './topology/build.js';
import { fromPulumiConfig, parseStackConfig, type StackConfig } from './topology/config.js';

const PLACEMENTS: Record<StackConfig['placement'], Placement> = { docker: dockerPlacement, aws: awsPlacement };

export function defineStack() {
  const stackName = pulumi.getStack();
  const all = pulumi.runtime.allConfig();
  const region = all['aws:region'];
  const config = parseStackConfig(fromPulumiConfig(all), region === undefined ? {} : { awsRegion: region });
  const secrets = stackSecrets(new pulumi.Config('shortstack'));
  const topology = buildTopology(config, stackName);
  const out = PLACEMENTS[config.placement]({ prefix: resourcePrefix(stackName), stackName, config, topology, secrets });
  return {
    frontDoorUrl: out.frontDoorUrl,
    grafanaUrl: out.grafanaUrl,
    dashboardUrls: out.dashboardUrls,
    prometheusUrl: out.prometheusUrl,
    alertmanagerUrl: out.alertmanagerUrl,
    ...(out.portForward ? { portForward: out.portForward } : {}),
    ...(out.deployments ? { deployments: out.deployments } : {}),
    appImage: out.appImage,
    ...(out.appRepository ? { appRepository: out.appRepository } : {}),
    adminApiKey: secrets.adminApiKey,
    grafanaAdminPassword: secrets.grafanaAdminPassword,
  };
}
