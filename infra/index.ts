// Pulumi entry point (Pulumi.yaml: main infra/). Stack outputs are this module's exports.
import { defineStack } from './program.js';

const outputs = defineStack();

export const frontDoorUrl = outputs.frontDoorUrl;
export const grafanaUrl = outputs.grafanaUrl;
export const dashboardUrls = outputs.dashboardUrls;
export const prometheusUrl = outputs.prometheusUrl;
export const alertmanagerUrl = outputs.alertmanagerUrl;
/** AWS: the command that forwards each operator UI to its local port (ECS Exec). */
export const portForward = outputs.portForward;
/** AWS: the task definition each service runs after `up` (a rolled-back deployment fails it). */
export const deployments = outputs.deployments;
/** The exact app image the stack runs (an image id or a registry digest): what `npm run promote` reads and checks. */
export const appImage = outputs.appImage;
/** AWS: the stack's ECR repository, where a promotion from Docker pushes the image. */
export const appRepository = outputs.appRepository;
/** Secret outputs: `pulumi stack output --show-secrets adminApiKey`. */
export const adminApiKey = outputs.adminApiKey;
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
