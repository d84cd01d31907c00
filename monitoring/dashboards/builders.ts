// Small helpers over @grafana/grafana-foundation-sdk: every panel reads one of the two data
// sources through a dashboard variable, so the dashboards work with whatever uid Grafana's
// provisioning gives them.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { OVERVIEW_PANEL_IDS, OVERVIEW_PANELS, SLO_PANEL_IDS, SLO_PANELS } from '../contract/panels.js';

export const PROMETHEUS_DS = { type: 'prometheus', uid: '${datasource}' };
export const LOKI_DS = { type: 'loki', uid: '${logs}' };

export function datasourceVariables(): dashboard.DatasourceVariableBuilder[] {
  return [
    new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'),
    new dashboard.DatasourceVariableBuilder('logs').label('Loki').type('loki'),
  ];
}

export interface Query {
  expr: string;
  legend?: string;
  /** A unit other than the panel's: Grafana draws it on an axis of its own (one unit per axis). */
  unit?: string;
}

export const q = (expr: string, legend?: string, unit?: string): Query => ({ expr, legend, ...(unit ? { unit } : {}) });

const refId = (i: number) => String.fromCharCode(65 + i);

function promTargets(queries: Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((query, i) => {
    const b = new prometheus.DataqueryBuilder().expr(query.expr).refId(refId(i)).datasource(PROMETHEUS_DS);
    return query.legend ? b.legendFormat(query.legend) : b;
  });
}

export function graph(title: string, unit: string, queries: Query[], description?: string): timeseries.PanelBuilder {
  let p = new timeseries.PanelBuilder()
    .id(idOf(title))
    .title(title)
    .unit(unit)
    .datasource(PROMETHEUS_DS)
    .targets(promTargets(queries))
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .height(8)
    .span(12);
  queries.forEach((query, i) => {
    if (query.unit && query.unit !== unit) p = p.overrideByQuery(refId(i), [{ id: 'unit', value: query.unit }]);
  });
  return description ? p.description(description) : p;
}

export function single(title: string, unit: string, queries: Query[], span = 6): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .id(idOf(title))
    .title(title)
    .unit(unit)
    .datasource(PROMETHEUS_DS)
    .targets(promTargets(queries))
    .height(4)
    .span(span);
}

/**
 * A 0/1 stat (up, pg_up, a config reload's success): DOWN in red at 0, UP in green at 1, so a
 * dead component reads as a word and a colour, not as a small number.
 */
export function upDown(title: string, queries: Query[], span = 6, words: [string, string] = ['DOWN', 'UP']): stat.PanelBuilder {
  return single(title, 'none', queries, span)
    .mappings([{ type: dashboard.MappingType.ValueToText, options: {
      0: { text: words[0], color: 'red', index: 0 },
      1: { text: words[1], color: 'green', index: 1 },
    } }])
    .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
      { value: null, color: 'red' },
      { value: 1, color: 'green' },
    ]))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .min(0)
    .max(1);
}

/** Every panel's id is fixed in monitoring/contract/panels.ts (titles are unique across the dashboards). */
const PANEL_IDS = new Map<string, number>([
  ...Object.entries(OVERVIEW_PANELS).map(([k, t]) => [t, OVERVIEW_PANEL_IDS[k as keyof typeof OVERVIEW_PANELS]] as const),
  ...Object.entries(SLO_PANELS).map(([k, t]) => [t, SLO_PANEL_IDS[k as keyof typeof SLO_PANELS]] as const),
]);
function idOf(title: string): number {
  const id = PANEL_IDS.get(title);
  if (id === undefined) throw new Error(`panel "${title}" has no id in monitoring/contract/panels.ts`);
  return id;
}

export function row(title: string, id: number): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title).id(id);
}

export function logPanel(title: string, expr: string): logs.PanelBuilder {
  return new logs.PanelBuilder()
    .id(idOf(title))
    .title(title)
    .datasource(LOKI_DS)
    .withTarget(new loki.DataqueryBuilder().expr(expr).refId('A').datasource(LOKI_DS))
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .height(12)
    .span(24);
}
