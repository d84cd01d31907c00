// The watchers watched: a target Prometheus cannot scrape is a blind spot, a failing
// notification is a page nobody gets.
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/dashboards/panels.js';
import { configPath } from '../../infra/topology/context.js';
import { docker, loopback } from '../commands.js';
import type { AlertDefinition } from '../types.js';

const overview = (panel: string) => ({ dashboard: DASHBOARDS.overview.title, panel });

export const observabilityAlerts: AlertDefinition[] = [
  {
    name: 'ScrapeTargetDown',
    group: 'shortstack-observability',
    // App replicas have their own alerts; every other target is an exporter or a tool.
    expr: 'up{job!="app"} == 0',
    for: '5m',
    severity: 'warning',
    component: 'prometheus',
    summary: 'Prometheus cannot scrape {{ $labels.job }}/{{ $labels.instance }}',
    description: 'Scrapes of {{ $labels.instance }} (job {{ $labels.job }}) have failed for 5 minutes: its alerts cannot fire.',
    runbook: {
      meaning: 'An exporter, Prometheus itself or Alertmanager does not answer scrapes.',
      impact: 'No user impact by itself, but the component behind it is unwatched: its down alerts cannot fire.',
      diagnose: {
        promql: ['up == 0', 'scrape_duration_seconds', 'scrape_samples_scraped'],
        logql: ['{component="prometheus"} |= "scrape"'],
        panel: overview(OVERVIEW_PANELS.scrapeTargets),
        commands: {
          docker: [docker.status(), docker.logs('<job>-exporter')],
          loopback: [loopback.status(), loopback.logs('<job>-exporter')],
        },
      },
      mitigate: ['Restart the exporter; check its credentials (the postgres and pgbouncer exporters log in as a user).'],
      escalate: 'Ticket the infrastructure on-call.',
    },
  },
  {
    name: 'AlertmanagerNotificationsFailing',
    group: 'shortstack-observability',
    expr: 'sum by (instance, integration) (rate(alertmanager_notifications_failed_total[5m])) > 0',
    for: '5m',
    severity: 'warning',
    component: 'alertmanager',
    summary: 'Alertmanager fails to deliver {{ $labels.integration }} notifications',
    description: 'Notifications through {{ $labels.integration }} have failed for 5 minutes: that tier\'s responders are not told.',
    runbook: {
      meaning: 'A receiver integration (discord, email, pagerduty) rejects or cannot reach its endpoint.',
      impact: 'Alerts routed only through that integration reach no one.',
      diagnose: {
        promql: ['sum by (integration) (rate(alertmanager_notifications_failed_total[5m]))', 'sum by (integration) (rate(alertmanager_notifications_total[5m]))'],
        logql: ['{component="alertmanager"} |= "level=error"'],
        panel: overview(OVERVIEW_PANELS.notifications),
        commands: {
          docker: [docker.logs('alertmanager'), docker.exec('alertmanager', `amtool check-config ${configPath('alertmanager.yml')}`)],
          loopback: [loopback.logs('alertmanager'), 'amtool check-config "$STACK_DIR/alertmanager/alertmanager.yml"'],
        },
      },
      mitigate: [
        'Expired webhook URL, SMTP credentials or PagerDuty routing key: update the secret in the stack config and `npm run up`.',
        'The other tiers still notify: watch the Alertmanager UI meanwhile.',
      ],
      escalate: 'Ticket the infrastructure on-call; page by phone if the pagerduty integration fails.',
    },
  },
];
