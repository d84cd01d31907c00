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
}

export const q = (expr: string, legend?: string): Query => ({ expr, legend });

function promTargets(queries: Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((query, i) => {
    const b = new prometheus.DataqueryBuilder().expr(query.expr).refId(String.fromCharCode(65 + i)).datasource(PROMETHEUS_DS);
    return query.legend ? b.legendFormat(query.legend) : b;
  });
}

export function graph(title: string, unit: string, queries: Query[], description?: string): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(title)
    .unit(unit)
    .datasource(PROMETHEUS_DS)
    .targets(promTargets(queries))
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .height(8)
    .span(12);
  return description ? p.description(description) : p;
}

export function single(title: string, unit: string, queries: Query[], span = 6): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .unit(unit)
    .datasource(PROMETHEUS_DS)
    .targets(promTargets(queries))
    .height(4)
    .span(span);
}

export function logPanel(title: string, expr: string): logs.PanelBuilder {
  return new logs.PanelBuilder()
    .title(title)
    .datasource(LOKI_DS)
    .withTarget(new loki.DataqueryBuilder().expr(expr).refId('A').datasource(LOKI_DS))
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .height(12)
    .span(24);
}
