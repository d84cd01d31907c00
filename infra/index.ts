// Pulumi entry point (Pulumi.yaml: main infra/). Stack outputs are this module's exports.
import { defineStack } from './program.js';

const outputs = defineStack();

export const frontDoorUrl = outputs.frontDoorUrl;
export const grafanaUrl = outputs.grafanaUrl;
export const dashboardUrls = outputs.dashboardUrls;
export const prometheusUrl = outputs.prometheusUrl;
export const alertmanagerUrl = outputs.alertmanagerUrl;
/** Secret outputs: `pulumi stack output --show-secrets adminApiKey`. */
export const adminApiKey = outputs.adminApiKey;
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
