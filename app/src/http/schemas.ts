// TypeBox schemas of the API's resources: request validation, response serialisation and the
// OpenAPI document all come from these, so the three cannot drift apart.
import { Type, type Static } from 'typebox';
import { ALIAS_MAX } from '../domain/short-code.js';
import { MAX_URL_LENGTH } from '../domain/url-rules.js';
import { EMAIL_MAX, USERNAME_MAX } from '../domain/user-rules.js';

const Id = (description: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });
const NullableId = (description: string) => Type.Union([Id(description), Type.Null()]);
// Responses carry Dates from pg; the serializer writes them as ISO-8601 strings.
const Timestamp = Type.Unsafe<Date | string>(Type.String({ format: 'date-time', description: 'ISO-8601 UTC' }));
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const InputTimestamp = Type.Union([Type.String({ format: 'date-time', description: 'ISO-8601' }), Type.Null()]);

export const ErrorBody = Type.Object({
  error: Type.String(),
  fields: Type.Optional(Type.Record(Type.String(), Type.String())),
}, { $id: 'Error', description: 'Every error: a message and, when fields are at fault, what is wrong with each.' });

export const IdParams = Type.Object({ id: Id('Resource id') });

export const User = Type.Object({
  id: Id('User id'),
  username: Type.String(),
  email: Type.String(),
  created_at: Timestamp,
});
export const UserCreate = Type.Object({
  username: Type.String({ maxLength: USERNAME_MAX }),
  email: Type.String({ maxLength: EMAIL_MAX }),
});
export const UserUpdate = Type.Object({
  username: Type.Optional(Type.String({ maxLength: USERNAME_MAX })),
  email: Type.Optional(Type.String({ maxLength: EMAIL_MAX })),
});

export const Url = Type.Object({
  id: Id('Link id'),
  user_id: NullableId('Owner'),
  short_code: Type.String(),
  short_url: Type.String({ description: 'The short link, on PUBLIC_BASE_URL' }),
  original_url: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  is_active: Type.Boolean(),
  expires_at: NullableTimestamp,
  click_count: Type.Integer({ minimum: 0 }),
  created_at: Timestamp,
  updated_at: Timestamp,
  max_visits: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'After this many clicks the link answers like an expired one' }),
  valid_since: NullableTimestamp,
  fallback_url: Type.Union([Type.String(), Type.Null()], { description: 'Where a deactivated, expired, not-yet-valid or used-up link redirects (302)' }),
  redirect_type: Type.Integer({ enum: [301, 302, 307, 308], description: 'Status of the redirect' }),
  tags: Type.Array(Type.String()),
});
/** The link features a create and an update both set (null: off), in one place. */
const LinkFeatureFields = {
  max_visits: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()], { description: 'Integer >= 1; null: no limit' })),
  valid_since: Type.Optional(InputTimestamp),
  fallback_url: Type.Optional(Type.Union([Type.String({ maxLength: MAX_URL_LENGTH }), Type.Null()], { description: 'Absolute http(s) URL; null: none' })),
  redirect_type: Type.Optional(Type.Union([Type.Integer({ description: '301, 302, 307 or 308' }), Type.Null()], { description: 'null: the default, 302' })),
  tags: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50, description: 'At most 10 distinct tags of [a-z0-9_-]{1,32}' }), Type.Null()])),
};
export const UrlCreate = Type.Object({
  original_url: Type.String({ maxLength: MAX_URL_LENGTH, description: 'Absolute http(s) URL with a host' }),
  user_id: Type.Optional(NullableId('Owner; a user key always creates for itself')),
  title: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  short_code: Type.Optional(Type.String({ maxLength: ALIAS_MAX, description: 'Custom alias (base62)' })),
  expires_at: Type.Optional(InputTimestamp),
  ...LinkFeatureFields,
});
export const UrlUpdate = Type.Object({
  original_url: Type.Optional(Type.String({ maxLength: MAX_URL_LENGTH })),
  title: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  is_active: Type.Optional(Type.Boolean()),
  expires_at: Type.Optional(InputTimestamp),
  ...LinkFeatureFields,
});
export const UrlListQuery = Type.Object({
  user_id: Type.Optional(Id('Only links of this user')),
  is_active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) links' })),
  tag: Type.Optional(Type.String({ maxLength: 64, description: 'Only links carrying this tag' })),
});

export const Event = Type.Object({
  id: Id('Event id'),
  url_id: NullableId('Link'),
  user_id: NullableId('User'),
  event_type: Type.String(),
  timestamp: Timestamp,
  details: Type.Record(Type.String(), Type.Unknown()),
});
export const EventCreate = Type.Object({
  url_id: Id('Link'),
  user_id: Type.Optional(NullableId('User (defaults to the link owner)')),
  event_type: Type.String({ maxLength: 64 }),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export const EventListQuery = Type.Object({
  url_id: Type.Optional(Id('Only events of this link')),
  user_id: Type.Optional(Id('Only events of this user')),
  event_type: Type.Optional(Type.String({ maxLength: 64 })),
});

const NullableName = (description: string) => Type.Union([Type.String(), Type.Null()], { description });
export const Stats = Type.Object({
  url_id: Id('Link'),
  short_code: Type.String(),
  clicks: Type.Integer({ minimum: 0 }),
  clicks_by_day: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), clicks: Type.Integer() })),
  top_referrers: Type.Array(Type.Object({ referrer: Type.String(), clicks: Type.Integer() })),
  human_clicks: Type.Integer({ minimum: 0 }),
  bot_clicks: Type.Integer({ minimum: 0 }),
  by_device: Type.Array(Type.Object({ device: NullableName('desktop, mobile, tablet, bot or other; null: not recorded'), clicks: Type.Integer() })),
  by_browser: Type.Array(Type.Object({ browser: NullableName('Browser name; null: unknown'), clicks: Type.Integer() })),
  by_os: Type.Array(Type.Object({ os: NullableName('Operating system; null: unknown'), clicks: Type.Integer() })),
  by_country: Type.Array(Type.Object({ country: NullableName('ISO 3166 alpha-2 (IP Geolocation by DB-IP); null: unknown'), clicks: Type.Integer() })),
});

const KeyName = Type.String({ minLength: 1, maxLength: 100, description: 'A name the owner knows the key by ("ci", "laptop")' });
/** POST /users/:id/keys: the body is optional, and so is the name in it. */
export const ApiKeyCreate = Type.Object({ name: Type.Optional(KeyName) }, { additionalProperties: false });
export const ApiKey = Type.Object({
  id: Id('Key id'),
  user_id: Id('Owner'),
  name: Type.Union([KeyName, Type.Null()]),
  created_at: Timestamp,
  revoked_at: NullableTimestamp,
});
export const NewApiKey = Type.Object({
  id: Id('Key id'),
  name: Type.Union([KeyName, Type.Null()]),
  key: Type.String({ description: 'The secret, shown this once' }),
  created_at: Timestamp,
});
export const KeyParams = Type.Object({ id: Id('User id'), keyId: Id('Key id') });

export const BulkResult = Type.Object({
  count: Type.Integer({ description: 'Same as imported' }),
  imported: Type.Integer(),
  skipped: Type.Integer({ description: 'Already present, or repeated in the file' }),
  rejected_count: Type.Integer({ description: 'All rejected rows; `rejected` lists the first 1000' }),
  rejected: Type.Array(Type.Object({ row: Type.Integer({ description: 'Line in the file less the header line: 1 = the first line after the header' }), error: Type.String() })),
});

export type UserCreateBody = Static<typeof UserCreate>;
export type UrlCreateBody = Static<typeof UrlCreate>;

/** A reference to the shared Error schema (registered with addSchema), so the document names it once. */
export const ErrorRef = Type.Unsafe<Static<typeof ErrorBody>>({ $ref: 'Error#' });

/** Error responses a route may give, for the OpenAPI document. */
export function errors(...codes: number[]): Record<number, typeof ErrorRef> {
  return Object.fromEntries(codes.map((c) => [c, ErrorRef]));
}
