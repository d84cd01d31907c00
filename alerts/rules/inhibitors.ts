// Alerts that notify no one (severity none): they exist to inhibit. RootCauseRecentlyFiring
// keeps a root cause "firing" for Alertmanager's inhibition a while after it resolved, so the
// symptoms that outlast it (SLO burn windows) do not page on the way out of an incident.
import { DASHBOARDS, OVERVIEW_PANELS } from '../../monitoring/contract/panels.js';
import { causesHeldAfterRecovery, HOLD_AFTER_RECOVERY, RECENT_CAUSE_ALERT } from '../inhibitions.js';
import type { Commands } from '../commands.js';
import type { AlertDefinition } from '../types.js';

const causes = causesHeldAfterRecovery();

export function inhibitorAlerts({ aws, loopback }: Commands): AlertDefinition[] {
  return [
    {
      name: RECENT_CAUSE_ALERT,
      group: 'shortstack-inhibitors',
      // ALERTS carries each firing alert; its alertname becomes `cause` (the rule's own alertname
      // replaces the series' one).
      expr: `max by (cause) (
  label_replace(
    max_over_time(ALERTS{alertstate="firing", alertname=~"${causes.join('|')}"}[${HOLD_AFTER_RECOVERY}]),
    "cause", "$1", "alertname", "(.+)"
  )
)`,
      for: '0m',
      severity: 'none',
      component: 'prometheus',
      summary: '{{ $labels.cause }} fired in the last ' + HOLD_AFTER_RECOVERY,
      description: `Holds back the symptoms of {{ $labels.cause }} for ${HOLD_AFTER_RECOVERY} after it resolves. Routed to no one.`,
      runbook: {
        meaning: `Not an incident: an inhibition helper. While a root cause (${causes.join(', ')}) fires, and for ${HOLD_AFTER_RECOVERY} after, Alertmanager holds back its symptoms (see the inhibitions table).`,
        impact: `A new, unrelated burn of the same SLO within ${HOLD_AFTER_RECOVERY} of the cause's recovery is held back too; its ticket still arrives (ticket windows are longer than the hold).`,
        diagnose: {
          promql: ['ALERTS{alertstate="firing"}', `ALERTS{alertname="${RECENT_CAUSE_ALERT}"}`],
          logql: ['{component="alertmanager"} |= "inhibit"'],
          panel: { dashboard: DASHBOARDS.overview.title, panel: OVERVIEW_PANELS.watchdog },
          commands: {
            docker: ['curl -s "$ALERTMANAGER_URL/api/v2/alerts?inhibited=true&active=false" | jq -r \'.[] | "\\(.labels.alertname) \\(.status.inhibitedBy)"\''],
            loopback: ['curl -s "$ALERTMANAGER_URL/api/v2/alerts?inhibited=true&active=false" | jq -r \'.[] | "\\(.labels.alertname) \\(.status.inhibitedBy)"\'', loopback.status()],
            aws: ['curl -s "$ALERTMANAGER_URL/api/v2/alerts?inhibited=true&active=false" | jq -r \'.[] | "\\(.labels.alertname) \\(.status.inhibitedBy)"\'', aws.services('alertmanager')],
          },
        },
        mitigate: ['Nothing. To see what it holds back: the Alertmanager UI with "Inhibited" ticked.'],
        escalate: 'No escalation.',
      },
    },
  ];
}
