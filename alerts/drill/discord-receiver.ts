// A Discord-compatible webhook endpoint: Alertmanager's discord_configs POST an execute-webhook
// body ({content?, embeds: [{title, description}]}); Discord answers 204 No Content.
import { JsonHttpReceiver } from './http-receiver.js';
import { Inbox } from './inbox.js';

export interface DiscordMessage {
  title: string;
  description: string;
}

interface WebhookBody {
  content?: string;
  embeds?: { title?: string; description?: string }[];
}

export class DiscordReceiver {
  readonly inbox = new Inbox<DiscordMessage>();
  private readonly http = new JsonHttpReceiver((_path, raw) => {
    const body = raw as WebhookBody;
    const embed = body?.embeds?.[0];
    if (!embed && !body?.content) return { status: 400, body: { error: 'empty message', fields: { embeds: 'required' } } };
    this.inbox.push({ title: embed?.title ?? '', description: embed?.description ?? body.content ?? '' });
    return { status: 204 };
  });

  start(): Promise<void> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.http.port}/api/webhooks/drill/token`;
  }
}
