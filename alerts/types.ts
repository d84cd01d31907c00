// One alert = one typed definition: the rule, its tier, and the runbook section rendered from it.

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
/**
 * `none`: not a tier. The Watchdog (routed to the dead man's switch) and the inhibitor alerts
 * (routed to a receiver that tells no one) carry it; nobody is notified of them as such.
 */
export type AlertSeverity = Severity | 'none';

/** Components an alert can be about (topology names; Prometheus job names). */
export type Component = 'nginx' | 'app' | 'pgbouncer' | 'postgres' | 'redis' | 'prometheus' | 'alertmanager' | 'edge' | 'cert-manager';

/** Shell commands per placement (aws: the runbook's example AWS stack). */
export interface PlacementCommands {
  docker: string[];
  loopback: string[];
  aws: string[];
}

/** A panel of a dashboard rendered by monitoring/dashboards (checked to exist by a test). */
export interface PanelRef {
  dashboard: string;
  panel: string;
}

export interface Runbook {
  /** What the alert means, in one or two sentences. */
  meaning: string;
  /** What users see while it fires. */
  impact: string;
  diagnose: {
    promql: string[];
    logql: string[];
    panel: PanelRef;
    commands: PlacementCommands;
  };
  mitigate: string[];
  /** When and to whom. */
  escalate: string;
}

export interface AlertDefinition {
  name: string;
  /** Rule group (one per concern) in the rendered rule file. */
  group: string;
  expr: string;
  for: string;
  severity: AlertSeverity;
  component: Component;
  /** Go templates; only {{ $labels.x }} and {{ $value | printf "%.Nf" }} (see template.ts). */
  summary: string;
  description: string;
  /** Extra static labels (e.g. the SLO name). */
  labels?: Record<string, string>;
  runbook: Runbook;
}

/** A recording rule (SLO ratios): rendered into the rule files, listed in the metrics catalogue. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface RecordingGroup {
  name: string;
  interval?: string;
  rules: RecordingRule[];
}
