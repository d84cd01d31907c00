// HTTPS at the front door: the TLS settings of the proxying server, and the plain-HTTP server
// beside it (the ACME HTTP-01 challenge, short links redirected, the API refused). Pure; used by
// nginx.ts when its input has `tls`.

export interface NginxTlsInput {
  /** Where nginx terminates TLS (and HTTP/2); the plain `listen` of nginx.ts then only redirects. */
  listen: { host?: string; port: number };
  /** PEM files; the certificate manager replaces them and signals nginx to reload. */
  certificateFile: string;
  keyFile: string;
  /** Folder whose files are served at /.well-known/acme-challenge/ on plain HTTP (HTTP-01 tokens). */
  challengeDir: string;
  /** The port clients reach HTTPS on: redirects name it unless it is 443. */
  publicHttpsPort: number;
  /** Longest path segment that may be a short link (the app's alias limit). */
  shortLinkMaxLength: number;
}

/**
 * Mozilla's "intermediate" profile (TLS 1.2 and 1.3; server-side TLS guidelines 5.7). The three
 * DHE suites of its list are offered only with an ssl_dhparam file, which this config does not
 * set, so clients get the ECDHE suites (every browser of the profile's range has them).
 */
export const MOZILLA_INTERMEDIATE = {
  protocols: ['TLSv1.2', 'TLSv1.3'],
  ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
    'DHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384', 'DHE-RSA-CHACHA20-POLY1305',
  ],
  curves: ['X25519', 'prime256v1', 'secp384r1'],
} as const;

/** Where the ACME server fetches HTTP-01 tokens (RFC 8555 section 8.3). */
export const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';

/** The body of the plain-HTTP refusal: the contract's error shape. */
export const HTTPS_REQUIRED = { error: 'HTTPS required', fields: { scheme: 'this API is served over HTTPS only' } } as const;

const listenOn = (l: { host?: string; port: number }) => `${l.host ? `${l.host}:` : ''}${l.port}`;
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The listen line and TLS settings of the proxying server. */
export function tlsServerDirectives(tls: NginxTlsInput, indent: string): string {
  const m = MOZILLA_INTERMEDIATE;
  return [
    // `listen ... http2` (nginx 1.22, Debian's); 1.25.1+ (the image runs 1.28) still takes it, with a deprecation warning.
    `listen ${listenOn(tls.listen)} ssl http2 default_server;`,
    `ssl_certificate ${tls.certificateFile};`,
    `ssl_certificate_key ${tls.keyFile};`,
    `ssl_protocols ${m.protocols.join(' ')};`,
    `ssl_ecdh_curve ${m.curves.join(':')};`,
    `ssl_ciphers ${m.ciphers.join(':')};`,
    'ssl_prefer_server_ciphers off;',
    // Resumption by the shared cache, not tickets: ticket keys never rotate without a restart.
    'ssl_session_timeout 1d;',
    'ssl_session_cache shared:tls:10m;',
    'ssl_session_tickets off;',
  ].map((l) => indent + l).join('\n');
}

/** Strict-Transport-Security, for the headers nginx sends on every HTTPS answer; none when 0. */
export const hstsHeader = (maxAgeS: number): string[] =>
  (maxAgeS > 0 ? [`add_header Strict-Transport-Security "max-age=${maxAgeS}" always;`] : []);

/**
 * The plain-HTTP server when TLS is on. Short links (GET or HEAD of one base62 segment) get a
 * 301 to the same link on HTTPS: one hop, the browser lands on the app's own redirect. Everything
 * else gets a JSON 426 rather than a redirect: a client that sent an API call (and its key) over
 * plain HTTP must fix its base URL, and a redirect would let it go on leaking the key unnoticed
 * (and POST bodies are not re-sent on a 301 by every client anyway).
 */
export function plainHttpServer(o: {
  tls: NginxTlsInput;
  listen: string;
  /** The headers and per-address limits the HTTPS server has (nginx.ts's own lines). */
  headers: string;
  limits: string;
  /** nginx.ts's /_error/N locations, which the http-level error_page directives point at. */
  errorLocations: string;
}): string {
  const { tls } = o;
  const port = tls.publicHttpsPort === 443 ? '' : `:${tls.publicHttpsPort}`;
  return `    # Plain HTTP: the ACME challenge, short links redirected to HTTPS, the API refused (426).
    server {
        ${o.listen} default_server;
        server_name _;
${o.headers}

${o.limits}

        location ^~ ${ACME_CHALLENGE_PATH} {
            alias ${tls.challengeDir}/;
            default_type text/plain;
        }

        # error_page in each location, not the server: one there would drop the http-level ones.
        location ~ "^/[0-9A-Za-z]{1,${tls.shortLinkMaxLength}}$" {
            error_page 426 /_error/426;
            if ($request_method !~ ^(GET|HEAD)$) {
                return 426;
            }
            return 301 https://$host${port}$request_uri;
        }

        location / {
            error_page 426 /_error/426;
            return 426;
        }

        location = /_error/426 {
            internal;
${o.headers.split('\n').map((l) => `    ${l}`).join('\n')}
            # RFC 9110 section 15.5.22: a 426 names the protocol to switch to.
            add_header Upgrade 'TLS/1.2, HTTP/1.1' always;
            return 426 ${quote(JSON.stringify(HTTPS_REQUIRED))};
        }

${o.errorLocations}
    }
`;
}
