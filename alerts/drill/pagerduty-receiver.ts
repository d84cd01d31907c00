// A PagerDuty Events API v2 endpoint (POST /v2/enqueue). It checks what PagerDuty checks, so a
// malformed event from Alertmanager fails here as it would there.
import { JsonHttpReceiver, type JsonReply } from './http-receiver.js';
import { Inbox } from './inbox.js';

export interface PagerdutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: { summary: string; source: string; severity: string; custom_details?: Record<string, unknown> };
  links?: { href: string; text?: string }[];
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** The field errors PagerDuty would report for this event, if any. */
export function validateEvent(e: Partial<PagerdutyEvent>): Record<string, string> {
  const fields: Record<string, string> = {};
  if (typeof e.routing_key !== 'string' || e.routing_key.length === 0) fields.routing_key = 'required';
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(e.event_action))) fields.event_action = 'trigger, acknowledge or resolve';
  if (e.dedup_key !== undefined && e.dedup_key.length > 255) fields.dedup_key = 'at most 255 characters';
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (!p || typeof p.summary !== 'string' || p.summary.length === 0) fields['payload.summary'] = 'required';
    else if (p.summary.length > 1024) fields['payload.summary'] = 'at most 1024 characters';
    if (!p || typeof p.source !== 'string' || p.source.length === 0) fields['payload.source'] = 'required';
    if (!p || !SEVERITIES.has(p.severity)) fields['payload.severity'] = 'critical, error, warning or info';
  } else if (!e.dedup_key) {
    fields.dedup_key = 'required to acknowledge or resolve';
  }
  return fields;
}

export class PagerdutyReceiver {
  readonly inbox = new Inbox<PagerdutyEvent>();
  private readonly http = new JsonHttpReceiver((path, raw): JsonReply => {
    if (path !== '/v2/enqueue') return { status: 404, body: { error: 'not found', fields: { path } } };
    const event = raw as Partial<PagerdutyEvent>;
    const fields = validateEvent(event);
    if (Object.keys(fields).length > 0) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: Object.entries(fields).map(([k, v]) => `${k}: ${v}`) } };
    this.inbox.push(event as PagerdutyEvent);
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? 'drill' } };
  });

  start(): Promise<void> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  get url(): string {
    return `http://127.0.0.1:${this.http.port}/v2/enqueue`;
  }
}
