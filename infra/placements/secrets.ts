// The stack's secrets: taken from config secrets when set, generated (@pulumi/random) otherwise,
// and only ever handled as Pulumi secret outputs.
import * as pulumi from '@pulumi/pulumi';
import { RandomPassword } from '@pulumi/random/randomPassword.js';
import { isSecretText, type Secrets, type Text } from '../topology/types.js';

export interface StackSecrets {
  /** Every secret value, as one secret output. */
  values: pulumi.Output<Secrets>;
  adminApiKey: pulumi.Output<string>;
  grafanaAdminPassword: pulumi.Output<string>;
}

const GENERATED = {
  dbPassword: 32,
  redisPassword: 32,
  grafanaAdminPassword: 24,
  adminApiKey: 40,
  pgbouncerStatsPassword: 32,
} as const;
type Generated = keyof typeof GENERATED;

export function stackSecrets(cfg: pulumi.Config, parent?: pulumi.Resource): StackSecrets {
  const value = (key: Generated): pulumi.Output<string> =>
    cfg.getSecret(key) ??
    // Letters and digits only: these land in URLs, ini files and YAML, where symbols need escaping.
    new RandomPassword(key, { length: GENERATED[key], special: false }, { parent }).result;
  const generated = {
    dbPassword: value('dbPassword'),
    redisPassword: value('redisPassword'),
    grafanaAdminPassword: value('grafanaAdminPassword'),
    adminApiKey: value('adminApiKey'),
    pgbouncerStatsPassword: value('pgbouncerStatsPassword'),
  } satisfies Record<Generated, pulumi.Output<string>>;
  // Alert receivers: optional; a tier without its receiver is still routed, visibly disabled.
  const optional = {
    discordWebhookUrl: cfg.getSecret('discordWebhookUrl'),
    pagerdutyRoutingKey: cfg.getSecret('pagerdutyRoutingKey'),
    smtpPassword: cfg.getSecret('smtpPassword'),
    deadMansSwitchUrl: cfg.getSecret('deadMansSwitchUrl'),
  };
  const values = pulumi.secret(pulumi.all(generated).apply((g) => pulumi.all(optional).apply((o) => {
    const s: Secrets = { ...(g as Record<Generated, string>) };
    for (const [k, v] of Object.entries(o) as [keyof typeof optional, string | undefined][]) if (v !== undefined) s[k] = v;
    return s;
  })));
  return {
    values,
    adminApiKey: pulumi.secret(generated.adminApiKey),
    grafanaAdminPassword: pulumi.secret(generated.grafanaAdminPassword),
  };
}

/** Plain text stays plain; text that embeds secrets becomes a secret output. */
export function resolveInput(text: Text, secrets: pulumi.Output<Secrets>): pulumi.Input<string> {
  if (!isSecretText(text)) return text;
  return pulumi.secret(secrets.apply((s) => text.render(s)));
}
