import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerServer } from '../../infra/loopback/components.js';
import { freePort } from '../../infra/loopback/servers/ports.js';
import { renderAlertmanagerConfig } from '../alertmanager-config.js';
import { startDrillReceivers, DRILL_MAIL, DRILL_ROUTING_KEY, type DrillReceivers } from './receivers.js';
import { decodeQuotedPrintable, headerValue } from './smtp-sink.js';
import { validateEvent } from './pagerduty-receiver.js';

let rx: DrillReceivers;
beforeAll(async () => {
  rx = await startDrillReceivers();
});
afterAll(async () => {
  await rx?.stop();
});

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('local receivers on their own', () => {
  it('Discord: records an embed and answers 204; refuses an empty message', async () => {
    const before = rx.discord.inbox.arrivals.length;
    expect((await postJson(rx.discord.webhookUrl, { embeds: [{ title: 't', description: 'd' }] })).status).toBe(204);
    expect((await postJson(rx.discord.webhookUrl, {})).status).toBe(400);
    expect(rx.discord.inbox.arrivals.slice(before).map((a) => a.message)).toEqual([{ title: 't', description: 'd' }]);
  });

  it('PagerDuty: accepts a valid Events v2 trigger with 202 and refuses what PagerDuty refuses', async () => {
    const event = { routing_key: 'k', event_action: 'trigger', dedup_key: 'd1', payload: { summary: 's', source: 'src', severity: 'critical' } };
    const ok = await postJson(rx.pagerduty.url, event);
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'd1' });
    const bad = await postJson(rx.pagerduty.url, { ...event, payload: { ...event.payload, severity: 'page' } });
    expect(bad.status).toBe(400);
    expect(validateEvent({ routing_key: 'k', event_action: 'resolve' })).toEqual({ dedup_key: 'required to acknowledge or resolve' });
    expect(validateEvent({ event_action: 'trigger', payload: { summary: 'x'.repeat(1025), source: 's', severity: 'info' } }))
      .toEqual({ routing_key: 'required', 'payload.summary': 'at most 1024 characters' });
  });

  it('SMTP helpers decode quoted-printable and folded headers', () => {
    expect(decodeQuotedPrintable('https://x/RUNBOOK.md#app=\r\nreplicadown a=3Db')).toBe('https://x/RUNBOOK.md#appreplicadown a=b');
    expect(headerValue('From: a\r\nSubject: [FIRING:1]\r\n  AppReplicaDown\r\n\r\nbody', 'subject')).toBe('[FIRING:1] AppReplicaDown');
  });
});

describe('a real Alertmanager delivering to the local receivers', () => {
  let dir: string;
  let am: ReturnType<typeof alertmanagerServer>;
  let amUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shortstack-drill-am-'));
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, renderAlertmanagerConfig({
      receivers: rx.alertReceivers,
      timing: { groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' },
    }));
    const port = await freePort();
    am = alertmanagerServer({ dir, port, configFile });
    await am.start();
    amUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await am?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const alert = (alertname: string, severity: string, endsAt?: string) => ({
    labels: { alertname, severity, component: 'app', instance: 'app-1' },
    annotations: { summary: `${alertname} summary`, description: 'd', runbook_url: `https://runbook.test/RUNBOOK.md#${alertname.toLowerCase()}` },
    ...(endsAt ? { endsAt } : {}),
  });

  it('delivers each tier to its receivers, with the runbook link, then the resolution', async () => {
    const sent = [alert('DrillCritical', 'critical'), alert('DrillWarning', 'warning'), alert('DrillInfo', 'info')];
    expect((await postJson(`${amUrl}/api/v2/alerts`, sent)).status).toBe(200);
    const link = (name: string) => `https://runbook.test/RUNBOOK.md#${name.toLowerCase()}`;

    for (const name of ['DrillCritical', 'DrillWarning', 'DrillInfo']) {
      const d = await rx.discord.inbox.waitFor(`discord ${name}`, (m) => m.title.includes(name), 15_000);
      expect(d.message.title).toMatch(/^\[FIRING:1\]/);
      expect(d.message.description).toContain(`Runbook: ${link(name)}`);
    }
    for (const name of ['DrillCritical', 'DrillWarning']) {
      const m = await rx.smtp.inbox.waitFor(`email ${name}`, (x) => x.subject.includes(name), 15_000);
      expect(m.message.to).toEqual(DRILL_MAIL.to);
      expect(m.message.text).toContain(link(name));
    }
    const page = await rx.pagerduty.inbox.waitFor('pagerduty', (e) => e.event_action === 'trigger' && e.routing_key === DRILL_ROUTING_KEY, 15_000);
    expect(page.message.routing_key).toBe(DRILL_ROUTING_KEY);
    expect(page.message.payload?.severity).toBe('critical');
    expect(page.message.payload?.summary).toContain('DrillCritical');
    expect(page.message.payload?.custom_details?.runbook_url).toBe(link('DrillCritical'));
    expect(page.message.links?.[0]?.href).toBe(link('DrillCritical'));

    // Lower tiers never page and info never mails: wait two group intervals for stragglers.
    await new Promise((r) => setTimeout(r, 2500));
    expect(rx.pagerduty.inbox.arrivals.filter((a) => a.message.routing_key === DRILL_ROUTING_KEY)).toHaveLength(1);
    expect(rx.smtp.inbox.arrivals.filter((a) => a.message.subject.includes('DrillInfo'))).toEqual([]);

    await postJson(`${amUrl}/api/v2/alerts`, [alert('DrillCritical', 'critical', new Date().toISOString())]);
    const resolved = await rx.pagerduty.inbox.waitFor('pagerduty resolve', (e) => e.event_action === 'resolve', 15_000);
    expect(resolved.message.dedup_key).toBe(page.message.dedup_key);
    await rx.discord.inbox.waitFor('discord resolved', (m) => m.title.startsWith('[RESOLVED]') && m.title.includes('DrillCritical'), 15_000);
  });
});
