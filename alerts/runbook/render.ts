// RUNBOOK.md from the alert definitions (pure): the topology and tiers, how to reach each tool
// on each placement, then one section per alert under a stable anchor.
import { TIER_INTEGRATIONS, TIER_REPEAT, GROUP_BY, DEFAULT_TIMING, WATCHDOG_ALERT, WATCHDOG_INTERVAL, SILENT_RECEIVER } from '../alertmanager-config.js';
import { DOCKER_STACK_VAR, placementCommands, promQuery } from '../commands.js';
import type { AlertsContext } from '../context.js';
import { alertDefinitions } from '../index.js';
import { HOLD_AFTER_RECOVERY, INHIBITIONS, RECENT_CAUSE_ALERT, type Inhibition } from '../inhibitions.js';
import { runbookAnchor } from '../runbook-url.js';
import { PAGE_WINDOWS, TICKET_WINDOWS, errorBudget } from '../slo/rules.js';
import { SLO_PERIOD_DAYS, SLOS } from '../slo/spec.js';
import { SEVERITIES, type AlertDefinition, type Severity } from '../types.js';

const TIER_MEANING: Record<Severity, string> = {
  critical: 'Page: users are hurt now or will be within the hour. Act at once, day or night.',
  warning: 'Ticket: something is degraded or heading for trouble. Act within working hours.',
  info: 'For the record: context for other alerts. No action by itself.',
};

const INTEGRATION_NAMES = { discord: 'Discord', email: 'email', pagerduty: 'PagerDuty (Events API v2)' } as const;

const code = (s: string) => `\`${s.replace(/`/g, '\\`')}\``;
const list = (items: string[]) => items.map((i) => `- ${i}`).join('\n');
const link = (name: string) => `[${name}](#${runbookAnchor(name)})`;

function overview(): string {
  return `## Overview

Shortstack is a URL shortener deployed as one topology:

\`\`\`
client -> nginx (least_conn, retries idempotent requests on a dead replica)
            -> app replicas x N (Fastify)
                 -> redis (cache, rate limits, invalidation pub/sub)
                 -> pgbouncer (transaction pooling) -> postgres
prometheus  <- scrapes app replicas, nginx, postgres, pgbouncer and redis exporters
prometheus  -> alertmanager -> discord | email | pagerduty   (tier by severity)
grafana     <- prometheus + loki (dashboards as code, provisioned)
loki        <- Grafana Alloy <- JSON logs of every container
\`\`\`

Prometheus jobs are named for the component watched (${code('job="app"')}, ${code('job="postgres"')}, ...);
every target carries ${code('instance')} (${code('app-2')}, ${code('postgres')}) and ${code('component')}.
Loki streams carry ${code('component')} and ${code('replica')}.`;
}

function tiers(ctx: AlertsContext): string {
  const cmd = placementCommands(ctx);
  const DOCKER_STACK = `$${DOCKER_STACK_VAR}`;
  const AWS_STACK = ctx.aws.stack;
  const names = ctx.aws.names;
  const rows = SEVERITIES.map((t) =>
    `| ${t} | ${TIER_INTEGRATIONS[t].map((i) => INTEGRATION_NAMES[i]).join(' + ')} | ${TIER_REPEAT[t]} | ${TIER_MEANING[t]} |`);
  const inhibitions = INHIBITIONS.map((i) =>
    `| ${i.sources.map(link).join(', ')}${i.holdAfterRecovery ? ` (and ${HOLD_AFTER_RECOVERY} after)` : ''} | ${i.targets.map(link).join(', ')} | ${i.equal?.join(', ') ?? 'whole stack'} | ${i.why} |`);
  return `## Alert tiers

| severity | notified through | repeated every | meaning |
| --- | --- | --- | --- |
${rows.join('\n')}
| none | the dead man's switch (${link(WATCHDOG_ALERT)}), or nobody (${link(RECENT_CAUSE_ALERT)}) | ${WATCHDOG_INTERVAL} (Watchdog) | Not a tier: the pipeline's heartbeat, and helpers that only inhibit. |

Alerts are grouped by ${GROUP_BY.map(code).join(' and ')}; the first notification of a group waits
${DEFAULT_TIMING.groupWait}, changes to a group are sent every ${DEFAULT_TIMING.groupInterval}. A tier whose receivers
are not configured on a stack still routes, to a receiver named ${code('<tier>-disabled')}: the
Alertmanager UI shows those alerts, nobody is notified. Alerts of severity ${code('none')} go to the
receiver ${code(SILENT_RECEIVER)}, which has no integration.

### Dead man's switch (who watches the watchers)

${link(WATCHDOG_ALERT)} always fires. Alertmanager sends it on a route of its own, before the tiers, to
the receiver ${code('deadmansswitch')} every ${WATCHDOG_INTERVAL} (a webhook POST; ${code('repeatInterval')} overrides do
not change it). If Prometheus stops evaluating, Alertmanager stops sending, the host dies or the
way out is cut, the POSTs stop, and only a service outside the stack can notice. Set it up once
per stack:

1. Create a heartbeat check at an external service: healthchecks.io, Dead Man's Snitch, Better
   Stack, or PagerDuty's and Grafana OnCall's heartbeat integrations. Period ${WATCHDOG_INTERVAL}, grace 5m
   (a restart of Alertmanager must not page). Route its alert to the same on-call as critical.
2. Put its ping URL in the stack's alert receivers as the dead man's switch URL
   (${code('deadMansSwitchUrl')}: a secret, like the Discord webhook URL; the URL is the credential).
   Without it the route goes to ${code('deadmansswitch-disabled')} and nothing outside notices an outage
   of the alerting itself.
3. Test it: stop Alertmanager (${code('docker stop shortstack-' + DOCKER_STACK + '-alertmanager')}) and wait for the
   external service to page within period + grace; start it again.

### A deploy that fails (Docker)

- ${code('<step> ... failed with exit code N')} (the migration, a password reset): ${code('docker logs shortstack-' + DOCKER_STACK + '-<step>')}
  says why. Fix the cause (PostgreSQL down, a bad migration), then ${code('npm run up')}: it runs the
  failed step again (migrations take an advisory lock, so a re-run is safe). With the Pulumi CLI
  alone: ${code("pulumi up --replace '<urn from the message>'")}.
- After ${code('docker image prune -a')} (${code('unable to pull image sha256:...')}): ${code('npm run up')} re-pulls the pinned
  images and rebuilds the app. With the Pulumi CLI alone: ${code('pulumi stack export')} lists the image
  resources' URNs; ${code('pulumi up --replace <urn>')} for each.

### A deployment that went wrong: roll back

A rollback is a promotion of the image that ran before (${code('npm run promote')}, README "Promotion"):
the stack's ${code('appImage')} output after each ${code('up')} names it, and so does the previous value of
${code('shortstack:appImage')} in the stack file's git history.

- **docker**: ${code(`npm run promote -- --image <previous appImage> --to ${DOCKER_STACK}`)}; the replicas are replaced
  one generation at a time, create-before-delete, nginx following them by name. Without the Pulumi CLI
  (loopback): stop ${code('npm run local')}, check out the previous release and start it again.
- **loopback**: a rollout of the running code without a restart: ${code('kill -USR2 "$(cat "$STACK_DIR/local.pid")"')}
  (each replica replaced in turn; the old one drains and flushes its clicks).
- **aws**: ${code(`npm run promote -- --image <previous registry digest> --to ${AWS_STACK}`)}. A deployment the circuit
  breaker rolled back already runs the previous task definition: ${code('pulumi up')} then fails with the service's
  events command; find the cause there (${code(`aws ecs describe-services --cluster ${names.cluster} --services ${names.service('app')} --query 'services[0].events[:10].[createdAt, message]' --output text`)}),
  fix it or roll back as above. To restart the running version without a new one:
  ${code(`aws ecs update-service --cluster ${names.cluster} --service ${names.service('app')} --force-new-deployment`)}.
- Migrations are expand-only (a column or table added, never dropped or renamed in the same
  release), so the previous image runs on the newer schema: a rollback needs no down migration.
  A later release may drop what no release since the previous one uses; its migration says so
  (${code('-- contract:')}). Rolling back past one, first revert the migrations after the older release's newest,
  with the newer release's checkout: ${code('npm run migrate -- --down-to <its newest migration>')} where PostgreSQL
  is reachable (loopback: ${code('MIGRATE_DATABASE_URL="$DIRECT_DATABASE_URL"')} before it), or print the same
  steps with ${code('npm run --silent migrate -- --down-sql <its newest migration>')} and run them with psql as the
  stack's role: docker, piped into ${code(cmd.docker.psqlScript())} (one transaction);
  aws, pasted between ${code('BEGIN;')} and ${code('COMMIT;')} into ${code(cmd.aws.psqlSession())}. Today: releases before migration ${code('link-clicks-from-click-days')}
  read ${code('urls.click_count')}, which ${code('drop-urls-click-count')} removes; its down step brings it back
  holding each link's clicks.

### Restore after data loss

A \`DELETE\` in the wrong terminal, a bad migration, a lost disk: restore PostgreSQL to a point in time
before it. Pick the point first (the alert's start, the deploy's time, the statement's time in the
log), in UTC with its zone: ${code('2026-12-01T10:00:00Z')}.

- **loopback**: WAL is archived by pgBackRest into ${code('$STACK_DIR/pgbackrest/repo')} (encrypted; at most
  ${code('backup.archiveTimeoutS')} seconds behind). ${code('npm run backup -- --list')} shows what can be restored;
  ${code('npm run restore -- --to <time>')} (or ${code('--latest')}) asks the running ${code('npm run local')} to stop the
  writers (PgBouncer), stop PostgreSQL, restore the backup and replay WAL to the point, check the migrations and start
  the writers again, printing each step. It refuses without ${code('--yes')} when the database holds commits newer than
  the point (they are lost by the restore: export what you need first). Measured by ${code('npm run chaos -- --scenario restore')}.
- **docker**: PostgreSQL archives its WAL with pgBackRest into the ${code(`shortstack-${DOCKER_STACK}-backup-repo`)} volume
  (encrypted; at most ${code('backup.archiveTimeoutS')} seconds behind), and the ${code(`shortstack-${DOCKER_STACK}-postgres-backup`)}
  container takes a full backup every ${code('backup.fullEveryHours')} and a differential every ${code('backup.diffEveryHours')}
  (both volumes outlive ${code('npm run down')}; ${code('npm run down -- --delete-data')} removes them).
  ${code(`npm run backup -- --stack ${DOCKER_STACK} --list`)} prints the command that lists what can be restored;
  ${code(`npm run restore -- --stack ${DOCKER_STACK} --to <time>`)} (or ${code('--latest')}) prints the restore, to run on the
  Docker host as written. For the stack ${code(ctx.docker.stack)} and ${code('2026-12-01T10:00:00Z')}:

\`\`\`sh
${ctx.docker.restorePlan(ctx.docker.stack, new Date('2026-12-01T10:00:00Z')).join('\n')}
\`\`\`

- **aws**: RDS keeps automated backups and WAL for ${code('aws.rds.backupRetentionDays')} days (the tier's default unless set) and
  restores to any second of them into a new instance; a prod-tier stack leaves a final snapshot when destroyed.
  ${code(`npm run restore -- --stack ${AWS_STACK} --to <time>`)} prints the commands: restore to a new instance, stop
  PgBouncer, swap the names, start PgBouncer and a new app deployment (its init container runs the migrations), then
  ${code('pulumi refresh')}.

On every placement the caches need nothing by hand: a restored database writes on a new WAL timeline (one loaded from a
dump has another system identifier or database oid), and within a second or two of the writers' return a replica empties
the links' and API keys' caches in Redis and on every replica (its log:
${code('caches emptied: the database is not the one they were read from')}). Until then a link the restore lost may still redirect.
What changed after the point is undone with it: deactivate again the links, and revoke again the API keys, that were
deactivated or revoked after it (nginx's access log, in Loki, has those requests and their times).

### Inhibitions (one root cause pages once)

| while firing | holds back | matching on | why |
| --- | --- | --- | --- |
${inhibitions.join('\n')}

"And ${HOLD_AFTER_RECOVERY} after": the SLO burn windows look back up to 30 minutes for a page, so a burn
caused by an outage would page again after the outage resolved. ${link(RECENT_CAUSE_ALERT)} keeps firing
(to nobody) for ${HOLD_AFTER_RECOVERY} after such a cause resolves, labelled ${code('cause')}, and inhibits the same symptoms.
A ticket can still follow (its windows are longer): it is the budget review, not a page.`;
}

function access(ctx: AlertsContext): string {
  // The published ports of the default stack config, so this page follows the topology.
  const cfg = ctx.docker;
  const DOCKER_STACK = `$${DOCKER_STACK_VAR}`;
  const AWS_STACK = ctx.aws.stack;
  const aws = ctx.aws.names;
  const forwarded = (ui: 'prometheus' | 'alertmanager' | 'grafana') =>
    `http://127.0.0.1:${cfg.localPorts[ui]} while the ${code(ui)} command of ${code(`pulumi stack output portForward --stack ${AWS_STACK}`)} runs`;
  return `## Reaching the tools

Commands below use these shell variables; set them once per shell. On loopback, ${code('npm run local')}
writes them all with this stack's values: run the ${code('source .../runbook.env')} line it prints (the file is
readable by its user only: two of the values hold passwords).

| variable | docker | loopback (${code('npm run local')}) | aws (stack ${code(AWS_STACK)}) |
| --- | --- | --- | --- |
| ${code(DOCKER_STACK_VAR)} | the stack's name: ${code(cfg.stack)} unless you chose another (${code('pulumi stack --show-name')}) | - | - (the commands name the stack ${code(AWS_STACK)}) |
| ${code('FRONT_DOOR')} | http://localhost:${cfg.publicPort} | the ${code('ready:')} URL it prints | ${code(`$(pulumi stack output frontDoorUrl --stack ${AWS_STACK})`)} |
| ${code('PROMETHEUS_URL')} | http://127.0.0.1:${cfg.localPorts.prometheus} | the ${code('prometheus:')} URL it prints | ${forwarded('prometheus')} |
| ${code('ALERTMANAGER_URL')} | http://127.0.0.1:${cfg.localPorts.alertmanager} | the ${code('alertmanager:')} URL it prints | ${forwarded('alertmanager')} |
| Grafana | http://127.0.0.1:${cfg.localPorts.grafana} | not run on loopback (no Debian package) | ${forwarded('grafana')} |
| ${code('STACK_DIR')} | - | the ${code('files and logs:')} folder it prints (use ${code('--dir')} to keep it) | - |
| ${code('DIRECT_DATABASE_URL')} | - (${code('docker exec')} into PostgreSQL) | PostgreSQL itself, not PgBouncer, with the password | - (ECS Exec into PgBouncer's task) |
| ${code('POSTGRES_PORT')} | - | PostgreSQL's port | - |
| ${code('REDIS_URL')} | - (${code('docker exec')} into Redis) | Redis with its password (${code('redis-cli -u')}) | - (ElastiCache: ${code('aws elasticache')}) |
| ${code('AWS_REGION')} | - | - | ${code(`$(pulumi config get aws:region --stack ${AWS_STACK})`)}, with credentials for the stack's account (${code('AWS_PROFILE')}) |

- **docker**: ${code('npm run up')} deploys the stack; containers are named ${code(`shortstack-${DOCKER_STACK}-<instance>`)}
  (${code(`shortstack-${DOCKER_STACK}-postgres`)}), app replicas with a generation suffix (${code(`shortstack-${DOCKER_STACK}-app-1-<digest>`)}: a new
  one starts before the old one goes), so the commands below find a container by its labels
  (${code(`docker ps -q --filter label=com.shortstack.instance=app-1`)}); logs with ${code('docker logs')}, and in Grafana's
  Explore through Loki. Grafana, Prometheus and Alertmanager listen on 127.0.0.1 only: from another
  machine use an SSH tunnel. The ports above are the stack config's defaults (${code('publicPort')}, ${code('localPorts')}).
- **loopback**: ${code('npm run local -- --dir /tmp/shortstack')} starts every component on free 127.0.0.1 ports and
  prints the URLs; each server logs to ${code('$STACK_DIR/<name>/<name>.console.log')}. Ctrl-C stops everything.
- **aws**: ${code(`pulumi up --stack ${AWS_STACK}`)} deploys the stack (commands below show the stack ${code(AWS_STACK)}; for another,
  replace ${code(AWS_STACK)} in the names). Every component is an ECS service ${code(aws.service('<component>'))} in the cluster
  ${code(aws.cluster)}, a task per replica, its containers named after the component (the app's task runs ${code('migrate')} before ${code('app')});
  the app is autoscaled on CPU. PostgreSQL is RDS (${code(aws.rdsInstance)}, TLS forced) and Redis is ElastiCache
  (Valkey, replication group ${code(aws.cacheGroup)}, nodes ${code(`${aws.cacheGroup}-001`)}, ${code('-002')}); there is no postgres or redis
  container, and no Loki or Alloy. Logs are in CloudWatch Logs, a group per service (${code(aws.logGroup('<component>'))}, streams
  ${code('<container>/<container>/<task-id>')}): ${code('aws logs tail')}, or Grafana's CloudWatch data source. The ALB forwards to nginx's
  tasks through the target group ${code(`${aws.targetGroupPrefix}-<suffix>`)}. Nothing but the front door is public: Grafana,
  Prometheus and Alertmanager are reached through an ECS Exec port-forward (each command of ${code(`pulumi stack output portForward --stack ${AWS_STACK}`)}
  keeps one open), and a shell in a container through ECS Exec (${code('aws ecs execute-command')}; the AWS CLI v2 and its Session
  Manager plugin). The ${code('instance')} label of an app replica is its task's private IP and port: the tasks command of
  an alert maps it to a ${code('<task-id>')}. psql runs inside PgBouncer's task, which reaches RDS, as the stack's role.

Any PromQL line below runs from a shell on every placement:
${code(promQuery('<expr>'))}. LogQL lines run in Grafana's Explore (Loki data source, docker placement); on aws the
same logs are in CloudWatch Logs: ${code('aws logs tail')}, or Logs Insights through Grafana's CloudWatch data source.`;
}

function slos(): string {
  const rows = SLOS.map((s) => `| ${s.id} | ${Number((s.objective * 100).toPrecision(6))}% | ${s.description} | ${errorBudget(s)} | ${link(`${s.alertPrefix}BudgetBurnPage`)}, ${link(`${s.alertPrefix}BudgetBurnTicket`)} |`);
  const w = (ws: typeof PAGE_WINDOWS) => ws.map((x) => `${x.factor}x over ${x.long} and ${x.short}`).join('; ');
  return `## SLOs (${SLO_PERIOD_DAYS}-day window)

| SLO | objective | good events | error budget | alerts |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Burn-rate alerts (SRE workbook): page on ${w(PAGE_WINDOWS)}; ticket on ${w(TICKET_WINDOWS)}.
A burn rate of 1 spends the budget in exactly ${SLO_PERIOD_DAYS} days. Recording rules: ${code('slo:sli_error:ratio_rate<window>')},
${code('slo:period_error_budget_remaining:ratio')} (label ${code('slo')}).`;
}

/** A summary template as a reader sees it: `<instance>` for a label, `<value>` for the value. */
export function readableTemplate(t: string): string {
  return t.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, '`<$1>`').replace(/\{\{\s*\$value[^}]*\}\}/g, '`<value>`');
}

function index(alerts: readonly AlertDefinition[]): string {
  const rows = alerts.map((a) => `| ${link(a.name)} | ${a.severity} | ${a.component} | ${readableTemplate(a.summary)} |`);
  return `## Alerts

| alert | severity | component | summary |
| --- | --- | --- | --- |
${rows.join('\n')}`;
}

/** Which alerts an inhibition pairs: the whole stack, or those with the same `equal` labels. */
function scope(i: Inhibition): string {
  const equal = i.equal?.length ? ` (same ${i.equal.map(code).join(' and ')})` : '';
  const after = i.holdAfterRecovery ? ` (and for ${HOLD_AFTER_RECOVERY} after)` : '';
  return `${equal}${after}`;
}

function section(a: AlertDefinition): string {
  const r = a.runbook;
  const held = INHIBITIONS.filter((i) => i.targets.includes(a.name));
  const holds = INHIBITIONS.filter((i) => i.sources.includes(a.name));
  const c = r.diagnose.commands;
  const extraLabels = Object.entries(a.labels ?? {}).map(([k, v]) => `, ${code(`${k}=${v}`)}`).join('');
  return `<a id="${runbookAnchor(a.name)}"></a>
### ${a.name}

**${a.severity}** · component ${code(a.component)}${extraLabels} · fires after ${code(a.for)}

\`\`\`promql
${a.expr}
\`\`\`

**Meaning.** ${r.meaning}

**Impact.** ${r.impact}

**Diagnose.**

- Grafana: *${r.diagnose.panel.dashboard}* → panel *${r.diagnose.panel.panel}*
- PromQL:
${r.diagnose.promql.map((q) => `  - ${code(q)}`).join('\n')}
- LogQL (Loki, docker placement):
${r.diagnose.logql.map((q) => `  - ${code(q)}`).join('\n')}
- docker:
${c.docker.map((x) => `  - ${code(x)}`).join('\n')}
- loopback:
${c.loopback.map((x) => `  - ${code(x)}`).join('\n')}
- aws:
${c.aws.map((x) => `  - ${code(x)}`).join('\n')}

**Mitigate.**

${list(r.mitigate)}

**Escalate.** ${r.escalate}
${holds.length ? `\nWhile it fires, it holds back: ${holds.map((i) => `${i.targets.map(link).join(', ')}${scope(i)}`).join('; ')}.\n` : ''}${held.length ? `\nHeld back while ${held.map((i) => `${i.sources.map(link).join(' or ')} fires${scope(i)}`).join('; or while ')}.\n` : ''}`;
}

/** RUNBOOK.md for the deployment `ctx` describes (infra builds it: infra/cli/runbook.ts). */
export function renderRunbook(ctx: AlertsContext): string {
  const alerts = alertDefinitions(ctx);
  return `# Shortstack runbook

<!-- Generated by \`npm run runbook\` from alerts/ (definitions, tiers, SLOs). Do not edit by hand. -->

For the on-call responder: every alert links to its section below (${code('runbook_url')}).
Placeholders in angle brackets (${code('<instance>')}) come from the alert's labels.

${overview()}

${tiers(ctx)}

${access(ctx)}

${slos()}

${index(alerts)}

${alerts.map(section).join('\n')}`;
}
