// The stack's secrets: taken from config secrets when set, generated (@pulumi/random) otherwise,
// and only ever handled as Pulumi secret outputs.
import * as pulumi from '@pulumi/pulumi';
import { RandomPassword } from '@pulumi/random/randomPassword.js';
import { GENERATED_SECRETS, generatedLength, OPTIONAL_SECRETS, type GeneratedSecret, type OptionalSecret } from '../topology/secret-table.js';
import { isSecretText, type Secrets, type Text } from '../topology/types.js';

export interface StackSecrets {
  /** Every secret value, as one secret output. */
  values: pulumi.Output<Secrets>;
  adminApiKey: pulumi.Output<string>;
  grafanaAdminPassword: pulumi.Output<string>;
}

export function stackSecrets(cfg: pulumi.Config, parent?: pulumi.Resource): StackSecrets {
  const value = (key: GeneratedSecret): pulumi.Output<string> =>
    cfg.getSecret(key) ??
    // Letters and digits only: these land in URLs, ini files and YAML, where symbols need escaping.
    new RandomPassword(key, { length: generatedLength(key), special: false }, { parent }).result;
  const generated = Object.fromEntries(GENERATED_SECRETS.map((k) => [k, value(k)])) as Record<GeneratedSecret, pulumi.Output<string>>;
  // Alert receivers: optional; a tier without its receiver is still routed, visibly disabled.
  const optional = Object.fromEntries(OPTIONAL_SECRETS.map((k) => [k, cfg.getSecret(k)])) as Record<OptionalSecret, pulumi.Output<string> | undefined>;
  const values = pulumi.secret(pulumi.all(generated).apply((g) => pulumi.all(optional).apply((o) => {
    const s: Secrets = { ...(g as Record<GeneratedSecret, string>) };
    for (const [k, v] of Object.entries(o) as [OptionalSecret, string | undefined][]) if (v !== undefined) s[k] = v;
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
