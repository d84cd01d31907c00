// The watchers watched: a target Prometheus cannot scrape is a blind spot, a failing
// notification is a page nobody gets, and a dead Prometheus or Alertmanager cannot say so
// itself: the Watchdog's heartbeat stops, and the dead man's switch outside the stack pages.
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import { EDGE_SCRAPE_JOB } from '../../monitoring/edge.js';
import { SCRAPE_JOB_CONTAINERS, type Commands } from '../commands.js';
import { THRESHOLDS } from '../thresholds.js';
import type { AlertDefinition, Runbook } from '../types.js';

const overview = (panel: string) => ({ dashboard: DASHBOARDS.overview.title, panel });
const pct = (ratio: number) => `${ratio * 100}%`;

/** Every scrape job the stack must have (app replicas are watched by AppAllReplicasDown). */
export const EXPECTED_JOBS = ['nginx', 'postgres', 'pgbouncer', 'redis', 'prometheus', 'alertmanager', EDGE_SCRAPE_JOB] as const;

const notificationRatio = (integrations: string) =>
  `sum by (instance, integration) (rate(alertmanager_notifications_failed_total{${integrations}}[5m]))
  / sum by (instance, integration) (rate(alertmanager_notifications_total{${integrations}}[5m]))
  > ${THRESHOLDS.notificationFailureRatio}`;

export function observabilityAlerts({ docker, aws, loopback, ctx }: Commands): AlertDefinition[] {
  const amCommands = {
    docker: [docker.logs('alertmanager'), docker.exec('alertmanager', `amtool check-config ${ctx.configPath('alertmanager.yml')}`)],
    loopback: [loopback.logs('alertmanager'), 'amtool check-config "$STACK_DIR/alertmanager/alertmanager.yml"'],
    aws: [aws.services('alertmanager'), aws.logs('alertmanager'), aws.exec('alertmanager', `amtool check-config ${ctx.configPath('alertmanager.yml')}`)],
  };
  const promCommands = {
    docker: [docker.logs('prometheus'), docker.exec('prometheus', `promtool check config ${ctx.configPath('prometheus.yml')}`)],
    loopback: [loopback.logs('prometheus'), 'promtool check config "$STACK_DIR/prometheus/prometheus.yml"'],
    aws: [aws.services('prometheus', 'alertmanager'), aws.logs('prometheus'), aws.exec('prometheus', `promtool check config ${ctx.configPath('prometheus.yml')}`)],
  };

  const notificationsRunbook = (page: boolean): Runbook => ({
    meaning: `More than ${pct(THRESHOLDS.notificationFailureRatio)} of the notifications through one integration (discord, email, pagerduty) fail: the receiver rejects them or cannot be reached.`,
    impact: page
      ? 'Pages do not reach the phone: critical alerts arrive only by Discord and email, which nobody watches at night.'
      : 'Alerts routed through that integration reach no one by it; the other integrations of the tier still deliver.',
    diagnose: {
      promql: [
        'sum by (integration) (rate(alertmanager_notifications_failed_total[5m]))',
        'sum by (integration) (rate(alertmanager_notifications_total[5m]))',
        'sum by (integration) (rate(alertmanager_notification_requests_failed_total[5m]))',
      ],
      logql: ['{component="alertmanager"} |= "level=error"'],
      panel: overview(OVERVIEW_PANELS.notifications),
      commands: amCommands,
    },
    mitigate: [
      `Expired webhook URL, SMTP credentials or PagerDuty routing key: update the secret in the stack config and \`npm run up\` (AWS: \`${aws.converge()}\`; the secret's new version starts new Alertmanager tasks).`,
      'The receiver is down (PagerDuty, Discord status pages): nothing to fix here; watch the Alertmanager UI meanwhile.',
    ],
    escalate: page
      ? 'Paged through the other integrations now. Until PagerDuty delivers again, the on-call watches Discord and the Alertmanager UI; tell the incident channel.'
      : 'Ticket the infrastructure on-call.',
  });

  return [
    {
      name: 'Watchdog',
      group: 'shortstack-meta',
      expr: 'vector(1)',
      for: '0m',
      severity: 'none',
      component: 'prometheus',
      summary: 'The alerting pipeline is alive',
      description: 'Always firing: Prometheus evaluates rules and Alertmanager delivers. Its heartbeat goes to the dead man\'s switch, which pages when it stops.',
      runbook: {
        meaning: 'Always firing, on purpose. Alertmanager sends it on its own route to the dead man\'s switch receiver (a heartbeat URL of an external service) every few minutes. It is not an incident.',
        impact: 'None. If it stops arriving at the heartbeat service, Prometheus, Alertmanager, the host or the way out is down and no other alert can reach anyone: the external service pages.',
        diagnose: {
          promql: ['ALERTS{alertname="Watchdog"}', 'up{job=~"prometheus|alertmanager"}', 'prometheus_notifications_alertmanagers_discovered'],
          logql: ['{component="alertmanager"} |= "Watchdog"'],
          panel: overview(OVERVIEW_PANELS.watchdog),
          commands: {
            docker: [docker.status(), docker.logs('alertmanager'), docker.logs('prometheus')],
            loopback: [loopback.status(), 'curl -s "$ALERTMANAGER_URL/api/v2/alerts?filter=alertname%3DWatchdog" | jq length'],
            aws: [aws.services('prometheus', 'alertmanager'), aws.logs('alertmanager'), aws.logs('prometheus')],
          },
        },
        mitigate: [
          'Set up once per stack: create a heartbeat check at an external service (healthchecks.io, Dead Man\'s Snitch, Better Stack, PagerDuty\'s heartbeat, Grafana OnCall\'s) with a period of a few minutes and a grace of twice that, and put its ping URL in the stack\'s alert receivers as the dead man\'s switch URL (`deadMansSwitchUrl`, a secret like the other receivers\' URLs). Alertmanager POSTs to it every repeat interval.',
          'When the external service pages: check the host first (is Docker up?), then `docker ps` for prometheus and alertmanager, then the way out (the egress network, DNS, a proxy).',
          `AWS: the services first (\`${aws.services('prometheus', 'alertmanager')}\`, and their events), then the way out: Alertmanager reaches its receivers through the NAT gateway.`,
        ],
        escalate: 'A page from the dead man\'s switch is the infrastructure on-call\'s: every other alert of the stack is blind until it is fixed.',
      },
    },
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
            docker: [docker.status(), ...Object.values(SCRAPE_JOB_CONTAINERS).map((c) => docker.logs(c))],
            loopback: [loopback.status(), ...Object.values(SCRAPE_JOB_CONTAINERS).map((c) => loopback.logs(c))],
            aws: [aws.services(...Object.values(SCRAPE_JOB_CONTAINERS)), ...Object.values(SCRAPE_JOB_CONTAINERS).map((c) => aws.logs(c))],
          },
        },
        mitigate: [
          `The container behind each job: ${Object.entries(SCRAPE_JOB_CONTAINERS).map(([job, c]) => `${job} → \`${c}\``).join(', ')}. Restart it; check its credentials (the postgres and pgbouncer exporters log in as a user).`,
          `AWS: each is a service of its own (\`${aws.forceNewDeployment('<container>')}\` restarts it); Prometheus reaches it by its Cloud Map name, so a target down with the service running points at DNS or the security groups of the last infra change.`,
        ],
        escalate: 'Ticket the infrastructure on-call.',
      },
    },
    {
      name: 'ScrapeJobAbsent',
      group: 'shortstack-observability',
      // absent() gives {job="<job>"} for the job with no target at all: a config that lost a job
      // leaves nothing for ScrapeTargetDown to see.
      expr: EXPECTED_JOBS.map((j) => `absent(up{job="${j}"})`).join('\nor\n'),
      for: '10m',
      severity: 'warning',
      component: 'prometheus',
      summary: 'Prometheus has no target at all for job {{ $labels.job }}',
      description: 'No series up{job="{{ $labels.job }}"} for 10 minutes: the job is missing from the scrape config, so nothing it watches can alert.',
      runbook: {
        meaning: 'A scrape job the stack must have has no target in Prometheus\' configuration (a placement or config change dropped it).',
        impact: 'The component is unwatched: its down and saturation alerts cannot fire.',
        diagnose: {
          promql: ['count by (job) (up)', ...EXPECTED_JOBS.map((j) => `absent(up{job="${j}"})`)],
          logql: ['{component="prometheus"} |= "config"'],
          panel: overview(OVERVIEW_PANELS.scrapeTargets),
          commands: {
            docker: [docker.exec('prometheus', `grep job_name ${ctx.configPath('prometheus.yml')}`)],
            loopback: ['grep job_name "$STACK_DIR/prometheus/prometheus.yml"'],
            aws: [aws.exec('prometheus', `grep job_name ${ctx.configPath('prometheus.yml')}`)],
          },
        },
        mitigate: ['Restore the job: the scrape targets come from the topology (infra/topology/wiring.ts); `npm run up` deploys the rendered config.'],
        escalate: 'Ticket the infrastructure on-call.',
      },
    },
    {
      name: 'PrometheusRuleEvaluationFailures',
      group: 'shortstack-observability',
      expr: 'sum by (instance, rule_group) (increase(prometheus_rule_evaluation_failures_total[5m])) > 0',
      for: '5m',
      severity: 'critical',
      component: 'prometheus',
      summary: 'Prometheus fails to evaluate rules of {{ $labels.rule_group }}',
      description: '{{ $value | printf "%.0f" }} rule evaluations of group {{ $labels.rule_group }} failed in 5 minutes: the alerts of that group cannot fire.',
      runbook: {
        meaning: 'Rules of a group fail at every evaluation (a query error, a many-to-many match after a label change, a query timeout).',
        impact: 'The alerts of that group are blind: an outage they watch pages no one.',
        diagnose: {
          promql: ['sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[5m]))', 'prometheus_rule_group_last_duration_seconds'],
          logql: ['{component="prometheus"} |= "Evaluating rule failed"'],
          panel: overview(OVERVIEW_PANELS.ruleFailures),
          commands: {
            docker: [docker.logs('prometheus'), 'curl -s "$PROMETHEUS_URL/api/v1/rules" | jq -r \'.data.groups[].rules[] | select(.health != "ok") | "\\(.name): \\(.lastError)"\''],
            loopback: [loopback.logs('prometheus'), 'curl -s "$PROMETHEUS_URL/api/v1/rules" | jq -r \'.data.groups[].rules[] | select(.health != "ok") | "\\(.name): \\(.lastError)"\''],
            aws: [aws.logs('prometheus'), 'curl -s "$PROMETHEUS_URL/api/v1/rules" | jq -r \'.data.groups[].rules[] | select(.health != "ok") | "\\(.name): \\(.lastError)"\''],
          },
        },
        mitigate: [`The rule's lastError names the cause; a rule change is rolled back with the previous rule files (\`npm run up\`; AWS: \`${aws.converge()}\`).`],
        escalate: 'Paged: alerting is partly blind. Infrastructure on-call.',
      },
    },
    {
      name: 'PrometheusNotConnectedToAlertmanagers',
      group: 'shortstack-observability',
      expr: 'max_over_time(prometheus_notifications_alertmanagers_discovered[5m]) < 1',
      for: '5m',
      severity: 'warning',
      component: 'prometheus',
      summary: 'Prometheus {{ $labels.instance }} has no Alertmanager to send to',
      description: 'Prometheus has discovered no Alertmanager for 5 minutes: every alert it fires stays in Prometheus.',
      runbook: {
        meaning: 'The alerting section of prometheus.yml names no reachable Alertmanager (or its discovery fails).',
        impact: 'No alert reaches anyone. This one too: only the dead man\'s switch (Watchdog) notices, by its heartbeat stopping.',
        diagnose: {
          promql: ['prometheus_notifications_alertmanagers_discovered', 'up{job="alertmanager"}'],
          logql: ['{component="prometheus"} |= "alertmanager"'],
          panel: overview(OVERVIEW_PANELS.alertmanagersDiscovered),
          commands: promCommands,
        },
        mitigate: [`Restore the alerting section (rendered from the topology) and \`npm run up\` (AWS: \`${aws.converge()}\`).`],
        escalate: 'Infrastructure on-call, at once: the stack cannot page.',
      },
    },
    {
      name: 'PrometheusErrorSendingAlerts',
      group: 'shortstack-observability',
      expr: `sum by (instance, alertmanager) (rate(prometheus_notifications_errors_total[5m]))
  / sum by (instance, alertmanager) (rate(prometheus_notifications_sent_total[5m]))
  > ${THRESHOLDS.notificationFailureRatio}`,
      for: '10m',
      severity: 'warning',
      component: 'prometheus',
      summary: 'Prometheus fails to send {{ $value | printf "%.2f" }} of alerts to {{ $labels.alertmanager }}',
      description: 'Prometheus {{ $labels.instance }} fails to deliver alerts to Alertmanager {{ $labels.alertmanager }}.',
      runbook: {
        meaning: 'Prometheus reaches Alertmanager but its POSTs fail (timeouts, refusals).',
        impact: 'Alerts arrive late or not at all.',
        diagnose: {
          promql: ['rate(prometheus_notifications_errors_total[5m])', 'rate(prometheus_notifications_sent_total[5m])', 'prometheus_notifications_queue_length'],
          logql: ['{component="prometheus"} |= "Error sending alert"'],
          panel: overview(OVERVIEW_PANELS.alertmanagersDiscovered),
          commands: promCommands,
        },
        mitigate: [
          'Check Alertmanager is up and ready; restart it (`docker restart`), it keeps its silences on its volume.',
          `AWS: \`${aws.forceNewDeployment('alertmanager')}\`; its state lives with the task, so the new task starts without the old one's silences: set them again.`,
        ],
        escalate: 'Ticket the infrastructure on-call; page if it lasts an hour.',
      },
    },
    {
      name: 'PrometheusConfigReloadFailed',
      group: 'shortstack-observability',
      expr: 'max_over_time(prometheus_config_last_reload_successful[5m]) == 0',
      for: '10m',
      severity: 'warning',
      component: 'prometheus',
      summary: 'Prometheus {{ $labels.instance }} failed to load its configuration',
      description: 'The last configuration reload of Prometheus failed: it runs on an older configuration than the one deployed.',
      runbook: {
        meaning: 'A reload (SIGHUP) found a configuration or rule file Prometheus refuses; it keeps running on the previous one.',
        impact: 'Rule and scrape changes of the last deploy are not in force; the next restart fails to start.',
        diagnose: {
          promql: ['prometheus_config_last_reload_successful', 'prometheus_config_last_reload_success_timestamp_seconds'],
          logql: ['{component="prometheus"} |= "Error reloading config"'],
          panel: overview(OVERVIEW_PANELS.configReloads),
          commands: promCommands,
        },
        mitigate: [`\`promtool check config\` names the error; fix or roll back the change and \`npm run up\` (AWS: \`${aws.converge()}\`).`],
        escalate: 'Ticket the infrastructure on-call.',
      },
    },
    {
      name: 'AlertmanagerConfigReloadFailed',
      group: 'shortstack-observability',
      expr: 'max_over_time(alertmanager_config_last_reload_successful[5m]) == 0',
      for: '10m',
      severity: 'warning',
      component: 'alertmanager',
      summary: 'Alertmanager {{ $labels.instance }} failed to load its configuration',
      description: 'The last configuration reload of Alertmanager failed: it routes with an older configuration than the one deployed.',
      runbook: {
        meaning: 'A reload found an alertmanager.yml Alertmanager refuses; it keeps the previous one.',
        impact: 'New receivers, routes or inhibitions are not in force; the next restart fails to start.',
        diagnose: {
          promql: ['alertmanager_config_last_reload_successful', 'alertmanager_config_last_reload_success_timestamp_seconds'],
          logql: ['{component="alertmanager"} |= "Loading configuration file failed"'],
          panel: overview(OVERVIEW_PANELS.configReloads),
          commands: amCommands,
        },
        mitigate: [`\`amtool check-config\` names the error; fix or roll back the receivers in the stack config and \`npm run up\` (AWS: \`${aws.converge()}\`).`],
        escalate: 'Ticket the infrastructure on-call.',
      },
    },
    {
      name: 'AlertmanagerNotificationsFailing',
      group: 'shortstack-observability',
      expr: notificationRatio('integration!="pagerduty"'),
      for: '5m',
      severity: 'warning',
      component: 'alertmanager',
      summary: 'Alertmanager fails {{ $value | printf "%.2f" }} of {{ $labels.integration }} notifications',
      description: 'Notifications through {{ $labels.integration }} have been failing for 5 minutes: that integration\'s responders are not told.',
      runbook: notificationsRunbook(false),
    },
    {
      name: 'AlertmanagerPagerdutyNotificationsFailing',
      group: 'shortstack-observability',
      expr: notificationRatio('integration="pagerduty"'),
      for: '5m',
      severity: 'critical',
      component: 'alertmanager',
      summary: 'Alertmanager fails {{ $value | printf "%.2f" }} of PagerDuty notifications: pages do not reach the phone',
      description: 'Notifications to PagerDuty have been failing for 5 minutes: critical alerts reach Discord and email only.',
      runbook: notificationsRunbook(true),
    },
  ];
}
