// The Pulumi program: read and validate the stack's config, build the topology, hand it to the
// placement the stack names. infra/index.ts exports what this returns as stack outputs.
import * as pulumi from '@pulumi/pulumi';
import { dockerPlacement } from './placements/docker/index.js';
import { stackSecrets } from './placements/secrets.js';
import { resourcePrefix, type Placement } from './placements/types.js';
import { buildTopology } from './topology/build.js';
import { fromPulumiConfig, parseStackConfig, type StackConfig } from './topology/config.js';

const PLACEMENTS: Record<StackConfig['placement'], Placement> = { docker: dockerPlacement };

export function defineStack() {
  const stackName = pulumi.getStack();
  const config = parseStackConfig(fromPulumiConfig(pulumi.runtime.allConfig()));
  const secrets = stackSecrets(new pulumi.Config('shortstack'));
  const topology = buildTopology(config, stackName);
  const out = PLACEMENTS[config.placement]({ prefix: resourcePrefix(stackName), stackName, config, topology, secrets });
  return {
    frontDoorUrl: out.frontDoorUrl,
    grafanaUrl: out.grafanaUrl,
    dashboardUrls: out.dashboardUrls,
    prometheusUrl: out.prometheusUrl,
    alertmanagerUrl: out.alertmanagerUrl,
    adminApiKey: secrets.adminApiKey,
    grafanaAdminPassword: secrets.grafanaAdminPassword,
  };
}
