// Draining the front door's client connections before a reload. nginx before 1.27.4 (which
// added `keepalive_min_timeout`) closes every idle keep-alive client connection the moment a
// reload retires its old workers; a request the client sends on one just then is reset unread,
// and a client cannot safely send a POST again. While the flag file exists, every answer instead
// says `Connection: close` and closes its connection after the answer, so by the time the
// reload comes the old workers hold no idle connection that a request could cross. The loopback
// rollout creates the file shortly before each reload and removes it after.

/** The check at the top of each proxying location: hand the request to the draining twin. */
export function drainCheck(flagFile: string, indent: string): string {
  // A rewrite, not an error_page jump: after one error_page redirect nginx answers any later
  // error (a 502, a 413) with its own HTML page, and errors here are the contract's JSON.
  return [
    `if (-f ${flagFile}) {`,
    `    rewrite ^ ${DRAIN_PATH} last;`,
    '}',
  ].map((l) => indent + l).join('\n');
}

/** Internal: a client asking for it directly gets the JSON 404. */
export const DRAIN_PATH = '/_drain';

/**
 * The location that serves a request while draining: the same proxying as `/` (the body limit
 * of JSON routes, the same retries) of the request's original URI, with keep-alive off.
 * `proxy` must pass to `http://app$request_uri`: the rewrite changed $uri, not the request.
 */
export function drainLocation(o: { proxy: string; bodyLimit: string; readTimeoutS: number }, indent: string): string {
  const inner = `${indent}    `;
  return [
    `${indent}location = ${DRAIN_PATH} {`,
    `${inner}internal;`,
    `${inner}keepalive_timeout 0;`,
    `${inner}client_max_body_size ${o.bodyLimit};`,
    o.proxy,
    `${inner}proxy_read_timeout ${o.readTimeoutS}s;`,
    `${inner}proxy_next_upstream error timeout http_502 http_504;`,
    `${inner}proxy_next_upstream_tries 3;`,
    `${inner}proxy_next_upstream_timeout 5s;`,
    `${indent}}`,
  ].join('\n');
}
