// What a request may be, in sizes and shapes. The app enforces these itself, and the front door
// (infra/render/nginx.ts) refuses anything beyond them before it reaches a replica: a replica that
// refuses a request mid-stream closes the connection, which nginx would take for a dead replica.
// Pure constants, so infra/ can import them without the server's dependencies.

/** JSON bodies are small (a URL is at most 2 KiB); anything bigger is refused with 413. */
export const JSON_BODY_LIMIT = 64 * 1024;

/** A bulk CSV upload (~1M users rows), the whole multipart body. */
export const UPLOAD_LIMIT = 100 * 1024 * 1024;

/** Routes whose bodies are uploads (UPLOAD_LIMIT) rather than JSON (JSON_BODY_LIMIT). */
export const UPLOAD_ROUTES = ['/users/bulk', '/urls/bulk'] as const;

/**
 * Node's limit on the request line and headers together. Well above what nginx lets through
 * (its large_client_header_buffers plus the headers it adds), so nginx, not Node, refuses an
 * oversized request: Node would drop the connection.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

/** What nginx lets through: at most this many header lines of at most this many bytes each. */
export const FRONT_DOOR_HEADER_BUFFERS = { count: 4, bytes: 8 * 1024 } as const;

/** Methods the app answers itself (405 with Allow where a path has no such route); nginx refuses the rest. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A 414's message, alike from the front door (a request line past its buffers) and from a replica (a path past its router's limit). */
export const URI_TOO_LONG = 'request URI too long';

/** Probes that must stay cheap: the front door limits them per client address more tightly. */
export const PROBE_PATHS = ['/health', '/ready'] as const;
