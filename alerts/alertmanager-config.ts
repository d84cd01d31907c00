// alertmanager.yml: three tiers by severity. critical -> Discord + email + PagerDuty,
// warning -> Discord + email, info -> Discord. A tier with nothing configured is still routed,
// to a receiver named "<tier>-disabled", so the routing tree is the same on every stack and
// the gap shows in the Alertmanager UI.
//
// Two routes come before the tiers: the Watchdog's, to the dead man's switch (a heartbeat URL of
// an external service that pages when the heartbeat stops), and the one for severity "none"
// (inhibitor alerts), to a receiver that tells no one.
import { stringify } from 'yaml';
import { INHIBITIONS, RECENT_CAUSE_ALERT } from './inhibitions.js';
import { SEVERITIES, type Severity } from './types.js';

export interface AlertReceivers {
  discordWebhookUrl?: string;
  email?: { smarthost: string; from: string; to: string[]; username?: string; password?: string; requireTls?: boolean };
  pagerdutyRoutingKey?: string;
  /** Override of the Events API v2 URL, for a local receiver in tests. */
  pagerdutyUrl?: string;
  /**
   * The dead man's switch: a heartbeat (ping) URL of an external service (healthchecks.io, Dead
   * Man's Snitch, PagerDuty or Better Stack heartbeats...). Alertmanager POSTs the Watchdog to
   * it every WATCHDOG_INTERVAL; the service pages when the POSTs stop. A secret: the URL is the
   * credential.
   */
  deadMansSwitchUrl?: string;
}

export interface AlertTiming {
  groupWait?: string;
  groupInterval?: string;
  /** Overrides every tier's repeat interval. */
  repeatInterval?: string;
  resolveTimeout?: string;
  /** How often the Watchdog is sent to the dead man's switch (not changed by repeatInterval). */
  watchdogInterval?: string;
}

/** The heartbeat's period: set the external check to this period with a grace of a few periods. */
export const WATCHDOG_INTERVAL = '1m';
export const WATCHDOG_ALERT = 'Watchdog';
/** The receiver of severity "none": no integration, nobody told. */
export const SILENT_RECEIVER = 'silent';

type Integration = 'discord' | 'email' | 'pagerduty';

export const TIER_INTEGRATIONS: Record<Severity, Integration[]> = {
  critical: ['discord', 'email', 'pagerduty'],
  warning: ['discord', 'email'],
  info: ['discord'],
};

/** How often an unresolved alert is told again, per tier. */
export const TIER_REPEAT: Record<Severity, string> = { critical: '1h', warning: '4h', info: '24h' };

export const DEFAULT_TIMING = { groupWait: '30s', groupInterval: '5m', resolveTimeout: '5m' } as const;

export const GROUP_BY = ['alertname', 'component'];

// Go templates Alertmanager expands per notification; every message carries the runbook link.
const TITLE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})';
const TEXT =
  '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\nDashboard: {{ .Annotations.dashboard_url }}\n{{ end }}';

function configured(r: AlertReceivers): Set<Integration> {
  const set = new Set<Integration>();
  if (r.discordWebhookUrl) set.add('discord');
  if (r.email && r.email.to.length > 0) set.add('email');
  if (r.pagerdutyRoutingKey) set.add('pagerduty');
  return set;
}

export function receiverName(tier: Severity, receivers: AlertReceivers): string {
  const have = configured(receivers);
  return TIER_INTEGRATIONS[tier].some((i) => have.has(i)) ? tier : `${tier}-disabled`;
}

function receiver(tier: Severity, r: AlertReceivers): Record<string, unknown> {
  const have = configured(r);
  const out: Record<string, unknown> = { name: receiverName(tier, r) };
  const uses = (i: Integration) => have.has(i) && TIER_INTEGRATIONS[tier].includes(i);
  if (uses('discord')) {
    out.discord_configs = [{ webhook_url: r.discordWebhookUrl, send_resolved: true, title: TITLE, message: TEXT }];
  }
  if (uses('email') && r.email) {
    out.email_configs = [{
      to: r.email.to.join(', '),
      send_resolved: true,
      headers: { Subject: TITLE },
      text: TEXT,
    }];
  }
  if (uses('pagerduty')) {
    out.pagerduty_configs = [{
      routing_key: r.pagerdutyRoutingKey,
      ...(r.pagerdutyUrl ? { url: r.pagerdutyUrl } : {}),
      send_resolved: true,
      severity: tier,
      description: TITLE,
      details: {
        summary: '{{ .CommonAnnotations.summary }}',
        runbook_url: '{{ .CommonAnnotations.runbook_url }}',
        firing: '{{ .Alerts.Firing | len }}',
      },
      links: [
        { href: '{{ .CommonAnnotations.runbook_url }}', text: 'Runbook' },
        { href: '{{ .CommonAnnotations.dashboard_url }}', text: 'Dashboard' },
      ],
    }];
  }
  return out;
}

function global(r: AlertReceivers, timing: AlertTiming): Record<string, unknown> {
  const g: Record<string, unknown> = { resolve_timeout: timing.resolveTimeout ?? DEFAULT_TIMING.resolveTimeout };
  if (r.email && r.email.to.length > 0) {
    g.smtp_smarthost = r.email.smarthost;
    g.smtp_from = r.email.from;
    if (r.email.username !== undefined) g.smtp_auth_username = r.email.username;
    if (r.email.password !== undefined) g.smtp_auth_password = r.email.password;
    g.smtp_require_tls = r.email.requireTls ?? true;
  }
  return g;
}

export function deadMansSwitchReceiverName(r: AlertReceivers): string {
  return r.deadMansSwitchUrl ? 'deadmansswitch' : 'deadmansswitch-disabled';
}

function deadMansSwitchReceiver(r: AlertReceivers): Record<string, unknown> {
  const out: Record<string, unknown> = { name: deadMansSwitchReceiverName(r) };
  // The heartbeat needs no resolution (the Watchdog never resolves) and one alert per POST.
  if (r.deadMansSwitchUrl) out.webhook_configs = [{ url: r.deadMansSwitchUrl, send_resolved: false, max_alerts: 1 }];
  return out;
}

const exact = (names: string[]) => (names.length === 1 ? `alertname="${names[0]}"` : `alertname=~"${names.join('|')}"`);

export function renderAlertmanagerConfig(input: { receivers: AlertReceivers; timing?: AlertTiming }): string {
  const r = input.receivers;
  const timing = input.timing ?? {};
  const config = {
    global: global(r, timing),
    route: {
      // An alert without a known severity is still told: to the warning tier.
      receiver: receiverName('warning', r),
      group_by: GROUP_BY,
      group_wait: timing.groupWait ?? DEFAULT_TIMING.groupWait,
      group_interval: timing.groupInterval ?? DEFAULT_TIMING.groupInterval,
      repeat_interval: timing.repeatInterval ?? TIER_REPEAT.warning,
      routes: [
        {
          matchers: [`alertname="${WATCHDOG_ALERT}"`],
          receiver: deadMansSwitchReceiverName(r),
          group_by: ['alertname'],
          group_wait: '0s',
          group_interval: timing.watchdogInterval ?? WATCHDOG_INTERVAL,
          repeat_interval: timing.watchdogInterval ?? WATCHDOG_INTERVAL,
        },
        { matchers: ['severity="none"'], receiver: SILENT_RECEIVER },
        ...SEVERITIES.map((tier) => ({
          matchers: [`severity="${tier}"`],
          receiver: receiverName(tier, r),
          repeat_interval: timing.repeatInterval ?? TIER_REPEAT[tier],
        })),
      ],
    },
    inhibit_rules: INHIBITIONS.flatMap((i) => {
      const target = { target_matchers: [exact(i.targets)], ...(i.equal ? { equal: i.equal } : {}) };
      const rules = [{ source_matchers: [exact(i.sources)], ...target }];
      // After recovery: the helper alert, labelled with the cause, holds the same targets.
      if (i.holdAfterRecovery) {
        rules.push({ source_matchers: [`alertname="${RECENT_CAUSE_ALERT}"`, `cause=~"${i.sources.join('|')}"`], ...target });
      }
      return rules;
    }),
    receivers: [...SEVERITIES.map((tier) => receiver(tier, r)), deadMansSwitchReceiver(r), { name: SILENT_RECEIVER }],
  };
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}
