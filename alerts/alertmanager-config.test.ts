import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertmanagerServer } from '../infra/loopback/components.js';
import { freePort } from '../infra/loopback/servers/ports.js';
import { AMTOOL, runTool, withFiles } from '../monitoring/tools/validators.js';
import { renderAlertmanagerConfig, WATCHDOG_INTERVAL, type AlertReceivers } from './alertmanager-config.js';
import { alertDefinitions } from './index.js';
import { TEST_CONTEXT } from './test/context.js';
import { INHIBITIONS } from './inhibitions.js';

const all: AlertReceivers = {
  discordWebhookUrl: 'http://127.0.0.1:9/discord',
  email: { smarthost: '127.0.0.1:25', from: 'alertmanager@shortstack.test', to: ['oncall@shortstack.test', 'sre@shortstack.test'], requireTls: false },
  pagerdutyRoutingKey: 'routing-key-0123456789',
  pagerdutyUrl: 'http://127.0.0.1:9/v2/enqueue',
  deadMansSwitchUrl: 'http://127.0.0.1:9/ping/0b5e0c1d',
};

function routeTest(config: string, receivers: string, labels: string[]) {
  return withFiles({ 'am.yml': config }, (dir) =>
    runTool(AMTOOL, ['config', 'routes', 'test', '--config.file=am.yml', `--verify.receivers=${receivers}`, ...labels], dir));
}

describe('renderAlertmanagerConfig', () => {
  it('passes amtool check-config with every receiver and with none', () => {
    for (const receivers of [all, {}, { discordWebhookUrl: all.discordWebhookUrl }, { deadMansSwitchUrl: all.deadMansSwitchUrl }]) {
      const r = withFiles({ 'am.yml': renderAlertmanagerConfig({ receivers }) }, (dir) => runTool(AMTOOL, ['check-config', 'am.yml'], dir));
      expect(r.output).toContain('SUCCESS');
      expect(r.code).toBe(0);
    }
  });

  it('routes each tier to its receiver (amtool config routes test)', () => {
    const config = renderAlertmanagerConfig({ receivers: all });
    for (const tier of ['critical', 'warning', 'info']) {
      const r = routeTest(config, tier, [`severity=${tier}`, 'alertname=X']);
      expect(r.output.split('\n')[0]).toBe(tier);
      expect(r.code).toBe(0);
    }
    // The check can fail: a warning does not page.
    expect(routeTest(config, 'critical', ['severity=warning']).code).toBe(1);
  });

  it('sends the Watchdog to the dead man\'s switch alone, often, and tells no one of inhibitor alerts', () => {
    const config = renderAlertmanagerConfig({ receivers: all, timing: { repeatInterval: '1h' } });
    expect(routeTest(config, 'deadmansswitch', ['alertname=Watchdog', 'severity=none']).code).toBe(0);
    expect(routeTest(config, 'silent', ['alertname=RootCauseRecentlyFiring', 'severity=none']).code).toBe(0);
    const cfg = parse(config);
    const watchdog = cfg.route.routes[0];
    // Not the tiers' repeat: the heartbeat must arrive every interval to stay green.
    expect(watchdog).toMatchObject({ receiver: 'deadmansswitch', group_wait: '0s', group_interval: WATCHDOG_INTERVAL, repeat_interval: WATCHDOG_INTERVAL });
    const dms = cfg.receivers.find((r: { name: string }) => r.name === 'deadmansswitch');
    expect(dms.webhook_configs).toEqual([{ url: all.deadMansSwitchUrl, send_resolved: false, max_alerts: 1 }]);
    expect(cfg.receivers.find((r: { name: string }) => r.name === 'silent')).toEqual({ name: 'silent' });
    // Without a URL the route stays, to a visibly disabled receiver.
    const none = renderAlertmanagerConfig({ receivers: {}, timing: { watchdogInterval: '5s' } });
    expect(routeTest(none, 'deadmansswitch-disabled', ['alertname=Watchdog', 'severity=none']).code).toBe(0);
    expect(parse(none).route.routes[0].repeat_interval).toBe('5s');
  });

  it('gives each tier exactly its integrations', () => {
    const cfg = parse(renderAlertmanagerConfig({ receivers: all }));
    const integrations = Object.fromEntries(cfg.receivers.map((r: Record<string, unknown>) =>
      [r.name, Object.keys(r).filter((k) => k.endsWith('_configs')).sort()]));
    expect(integrations).toEqual({
      critical: ['discord_configs', 'email_configs', 'pagerduty_configs'],
      warning: ['discord_configs', 'email_configs'],
      info: ['discord_configs'],
      deadmansswitch: ['webhook_configs'],
      silent: [],
    });
    expect(cfg.global.smtp_smarthost).toBe('127.0.0.1:25');
    const pd = cfg.receivers[0].pagerduty_configs[0];
    expect(pd).toMatchObject({ routing_key: all.pagerdutyRoutingKey, url: all.pagerdutyUrl, severity: 'critical' });
    expect(pd.links[0].href).toContain('runbook_url');
    expect(cfg.receivers[1].discord_configs[0].message).toContain('{{ .Annotations.runbook_url }}');
  });

  it('routes a tier without a configured receiver to a visibly disabled one', () => {
    const config = renderAlertmanagerConfig({ receivers: { discordWebhookUrl: all.discordWebhookUrl } });
    // Discord serves every tier; with Discord alone nothing is disabled.
    expect(routeTest(config, 'critical', ['severity=critical']).code).toBe(0);
    const none = renderAlertmanagerConfig({ receivers: {} });
    for (const tier of ['critical', 'warning', 'info']) {
      const r = routeTest(none, `${tier}-disabled`, [`severity=${tier}`]);
      expect(r.code).toBe(0);
    }
    expect(parse(none).receivers).toEqual([{ name: 'critical-disabled' }, { name: 'warning-disabled' }, { name: 'info-disabled' }, { name: 'deadmansswitch-disabled' }, { name: 'silent' }]);
  });

  it('applies the timing overrides', () => {
    const cfg = parse(renderAlertmanagerConfig({ receivers: all, timing: { groupWait: '1s', groupInterval: '2s', repeatInterval: '1m', resolveTimeout: '10s' } }));
    expect(cfg.route).toMatchObject({ group_wait: '1s', group_interval: '2s', repeat_interval: '1m' });
    expect(cfg.route.routes.slice(2).map((r: { repeat_interval: string }) => r.repeat_interval)).toEqual(['1m', '1m', '1m']);
    expect(cfg.global.resolve_timeout).toBe('10s');
  });

  it('names only alerts that exist in its inhibition rules', () => {
    const names = new Set(alertDefinitions(TEST_CONTEXT).map((a) => a.name));
    const unknown = INHIBITIONS.flatMap((i) => [...i.sources, ...i.targets]).filter((n) => !names.has(n));
    expect(unknown).toEqual([]);
  });
});

describe('inhibition in a real Alertmanager', () => {
  let dir: string;
  let am: ReturnType<typeof alertmanagerServer>;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shortstack-am-'));
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, renderAlertmanagerConfig({ receivers: {} }));
    const port = await freePort();
    am = alertmanagerServer({ dir, port, configFile });
    await am.start();
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await am?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (alerts: Record<string, string>[]) =>
    fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels }))),
    });

  it('silences per-replica and error alerts while every replica is down, and the symptoms of a database outage', async () => {
    const res = await post([
      { alertname: 'AppAllReplicasDown', severity: 'critical', component: 'app' },
      { alertname: 'AppReplicaDown', severity: 'warning', component: 'app', instance: 'app-1' },
      { alertname: 'PostgresDown', severity: 'critical', component: 'postgres', instance: 'postgres' },
      { alertname: 'ClickFlusherBehind', severity: 'warning', component: 'app', instance: 'app-2' },
      { alertname: 'RedisDown', severity: 'warning', component: 'redis', instance: 'redis' },
    ]);
    expect(res.status).toBe(200);
    // Inhibition is computed when the alerts are read back; give the ingest a moment.
    let state: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      const alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as { labels: { alertname: string }; status: { state: string } }[];
      state = Object.fromEntries(alerts.map((a) => [a.labels.alertname, a.status.state]));
      if (state.AppReplicaDown === 'suppressed' && state.ClickFlusherBehind === 'suppressed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toEqual({
      AppAllReplicasDown: 'active',
      AppReplicaDown: 'suppressed',
      PostgresDown: 'active',
      ClickFlusherBehind: 'suppressed',
      RedisDown: 'active',
    });
  });

  async function states(until: (s: Record<string, string>) => boolean): Promise<Record<string, string>> {
    let state: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      const alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as { labels: { alertname: string; instance?: string }; status: { state: string } }[];
      state = Object.fromEntries(alerts.map((a) => [`${a.labels.alertname}${a.labels.instance ? `/${a.labels.instance}` : ''}`, a.status.state]));
      if (until(state)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return state;
  }

  it('keeps holding the SLO burn back after the outage resolved (no page on the way out), and only that outage\'s', async () => {
    const ended = new Date(Date.now() - 1000).toISOString();
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        // Every replica was down and is back: the cause resolved...
        { labels: { alertname: 'AppAllReplicasDown', severity: 'critical', component: 'app' }, endsAt: ended },
        { labels: { alertname: 'PostgresDown', severity: 'critical', component: 'postgres', instance: 'postgres' }, endsAt: ended },
        // ...its helper still fires, and the burn windows still see the outage.
        { labels: { alertname: 'RootCauseRecentlyFiring', severity: 'none', component: 'prometheus', cause: 'AppAllReplicasDown' } },
        { labels: { alertname: 'AvailabilityBudgetBurnPage', severity: 'critical', component: 'app', slo: 'availability' } },
        // Not a symptom of a down app: still told.
        { labels: { alertname: 'PostgresVolumeAlmostFull', severity: 'critical', component: 'postgres', instance: 'postgres' } },
      ]),
    });
    expect(res.status).toBe(200);
    const state = await states((s) => s.AvailabilityBudgetBurnPage === 'suppressed');
    expect(state).toMatchObject({
      RootCauseRecentlyFiring: 'active',
      AvailabilityBudgetBurnPage: 'suppressed',
      'PostgresVolumeAlmostFull/postgres': 'active',
    });
  });

  it('holds AppReplicaDown back while AppRedundancyLost pages, and a restart back while its replica crash-loops', async () => {
    // The previous outage's helper is over.
    await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'RootCauseRecentlyFiring', severity: 'none', component: 'prometheus', cause: 'AppAllReplicasDown' }, endsAt: new Date(Date.now() - 1000).toISOString() }]),
    });
    await post([
      { alertname: 'AppRedundancyLost', severity: 'critical', component: 'app' },
      { alertname: 'AppReplicaDown', severity: 'warning', component: 'app', instance: 'app-2' },
      { alertname: 'AppCrashLoop', severity: 'warning', component: 'app', instance: 'app-3' },
      { alertname: 'AppReplicaRestarted', severity: 'info', component: 'app', instance: 'app-3' },
      { alertname: 'AppReplicaRestarted', severity: 'info', component: 'app', instance: 'app-4' },
    ]);
    const state = await states((s) => s['AppReplicaDown/app-2'] === 'suppressed' && s['AppReplicaRestarted/app-3'] === 'suppressed');
    expect(state).toMatchObject({
      AppRedundancyLost: 'active',
      'AppReplicaDown/app-2': 'suppressed',
      'AppCrashLoop/app-3': 'active',
      'AppReplicaRestarted/app-3': 'suppressed',
      // The crash loop is app-3's: app-4's restart is its own news.
      'AppReplicaRestarted/app-4': 'active',
    });
  });
});
