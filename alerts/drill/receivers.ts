// The three local receivers of the drill, started together, and the AlertReceivers that point
// Alertmanager at them.
import type { AlertReceivers } from '../alertmanager-config.js';
import { DiscordReceiver } from './discord-receiver.js';
import { HeartbeatReceiver } from './heartbeat-receiver.js';
import { PagerdutyReceiver } from './pagerduty-receiver.js';
import { SmtpSink } from './smtp-sink.js';

export const DRILL_MAIL = { from: 'alertmanager@shortstack.test', to: ['oncall@shortstack.test'] } as const;
export const DRILL_ROUTING_KEY = 'drill-routing-key-0000000000000000';

export interface DrillReceivers {
  discord: DiscordReceiver;
  pagerduty: PagerdutyReceiver;
  smtp: SmtpSink;
  /** The dead man's switch: the Watchdog's heartbeats arrive here. */
  heartbeat: HeartbeatReceiver;
  alertReceivers: AlertReceivers;
  stop(): Promise<void>;
}

export async function startDrillReceivers(): Promise<DrillReceivers> {
  const discord = new DiscordReceiver();
  const pagerduty = new PagerdutyReceiver();
  const smtp = new SmtpSink();
  const heartbeat = new HeartbeatReceiver();
  const stop = async () => {
    await Promise.all([discord.stop(), pagerduty.stop(), smtp.stop(), heartbeat.stop()]);
  };
  try {
    await Promise.all([discord.start(), pagerduty.start(), smtp.start(), heartbeat.start()]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    discord,
    pagerduty,
    smtp,
    heartbeat,
    alertReceivers: {
      discordWebhookUrl: discord.webhookUrl,
      email: { smarthost: smtp.smarthost, from: DRILL_MAIL.from, to: [...DRILL_MAIL.to], requireTls: false },
      pagerdutyRoutingKey: DRILL_ROUTING_KEY,
      pagerdutyUrl: pagerduty.url,
      deadMansSwitchUrl: heartbeat.pingUrl,
    },
    stop,
  };
}
