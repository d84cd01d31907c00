// nginx.conf for the front door: pure, placement-free. A placement passes where nginx listens,
// where the replicas are and where its scratch files go; the rest is the policy written here.
import { URI_TOO_LONG } from '../../app/src/http/limits.js';
import { drainCheck, drainLocation } from './nginx-drain.js';
import { hstsHeader, plainHttpServer, tlsServerDirectives, type NginxTlsInput } from './nginx-tls.js';

export interface NginxPaths {
  pidFile: string;
  /** A file, or `stderr`. */
  errorLog: string;
  /** A file, or `/dev/stdout`. */
  accessLog: string;
  /** An existing folder; nginx creates its client body and proxy temp folders in it. */
  tempDir: string;
}

/**
 * Passive health of the replicas: `UPSTREAM_MAX_FAILS` connection errors or timeouts within
 * `UPSTREAM_FAIL_TIMEOUT_S` take a replica out for that long (then one request tries it again).
 */
export const UPSTREAM_MAX_FAILS = 2;
export const UPSTREAM_FAIL_TIMEOUT_S = 10;
/** How long nginx waits for its resolver's answer (`resolve`); a failed query is retried after it. */
export const RESOLVER_TIMEOUT_S = 5;

/**
 * fail_timeout where nginx follows a name (`resolve`, answers valid `validS`): at least until its
 * next resolution (one second after the validity ends, plus a slow answer). A replica's address
 * refused in its last moments then stays out until the resolution that drops it: a request sent
 * to it once it is gone waits for the connect timeout, and should that resolution land meanwhile,
 * nginx refuses the retry outright ("no live upstreams": the group changed under the request).
 */
export const resolvedFailTimeoutS = (validS: number): number => Math.max(UPSTREAM_FAIL_TIMEOUT_S, validS + 1 + RESOLVER_TIMEOUT_S);

/** Container values: logs to the container's streams, scratch in /tmp (a tmpfs), no root needed. */
export const CONTAINER_NGINX_PATHS: NginxPaths = {
  pidFile: '/tmp/nginx.pid',
  errorLog: 'stderr',
  accessLog: '/dev/stdout',
  tempDir: '/tmp',
};

/** A loopback run keeps every file nginx writes inside DIR. */
export function dirNginxPaths(dir: string): NginxPaths {
  return { pidFile: `${dir}/nginx.pid`, errorLog: `${dir}/error.log`, accessLog: `${dir}/access.log`, tempDir: dir };
}

export interface Listen {
  /** Omitted: every interface. */
  host?: string;
  port: number;
}

/**
 * What the front door lets through and how much of it, per client address. Every size comes from
 * the app's own limits (app/src/http/limits.ts): nginx refuses, with an answer, whatever a replica
 * would refuse by dropping the connection, which nginx would count against a healthy replica.
 */
export interface FrontDoorPolicy {
  /** Methods passed to the app; others get a JSON 405 from nginx. */
  methods: readonly string[];
  /** Body limit of every route but the uploads, in bytes. */
  bodyBytes: number;
  /** Upload routes: a larger body, streamed to the replica, with time to import it. */
  uploads: { paths: readonly string[]; bodyBytes: number; readTimeoutS: number };
  /** large_client_header_buffers: at most `count` header lines of at most `bytes` each. */
  headerBuffers: { count: number; bytes: number };
  /** limit_req / limit_conn per client address; the probes have a tighter rate of their own. */
  perAddress: { requestsPerSecond: number; burst: number; connections: number; probeRequestsPerSecond: number };
  probePaths: readonly string[];
  /** Slow clients: between two reads of the headers or the body, and for each write of the answer. */
  clientTimeoutS: number;
  /**
   * Proxies in front of nginx (a load balancer's subnets) whose X-Forwarded-For is believed. Empty:
   * the peer's address is the client. Either way, nginx sends the app exactly one address.
   */
  trustedProxies: readonly string[];
}

export interface NginxConfigInput {
  listen: Listen;
  /** stub_status, for the exporter: never published. */
  statusListen: Listen;
  /** Who may read stub_status (addresses or CIDRs). */
  statusAllow: string[];
  /** host:port of every app replica. */
  upstreams: string[];
  /**
   * Re-resolve the upstream names while running (`server ... resolve`, nginx >= 1.27.3), for a
   * placement whose replicas come and go under one DNS name (ECS with Cloud Map). Without it,
   * nginx resolves each name once, at start.
   */
  resolver?: { address: string; validS: number };
  policy: FrontDoorPolicy;
  paths?: NginxPaths;
  workerProcesses?: number | 'auto';
  workerConnections?: number;
  /** Idle keepalive connections kept per worker to the replicas. */
  upstreamKeepalive?: number;
  /** Passive health: a replica failing `maxFails` times in `failTimeoutS` is skipped for that long. */
  maxFails?: number;
  failTimeoutS?: number;
  proxyConnectTimeoutS?: number;
  proxyReadTimeoutS?: number;
  /** While this file exists, answers close their client connections (before a reload: nginx-drain.ts). */
  drainFlagFile?: string;
  /** HTTPS here: the proxying server listens with TLS, and `listen` becomes plain HTTP's (nginx-tls.ts). */
  tls?: NginxTlsInput;
  /** Strict-Transport-Security max-age on every answer of the proxying server (clients reach it over HTTPS); 0 or absent: none. */
  hstsMaxAgeS?: number;
}

/** The errors nginx itself may answer, each mapped to the service's JSON error shape. */
export const NGINX_ERROR_BODIES: Record<number, { error: string; fields?: Record<string, string> }> = {
  400: { error: 'bad request' },
  404: { error: 'not found' },
  405: { error: 'method not allowed' },
  408: { error: 'request timed out' },
  413: { error: 'request body too large', fields: { body: 'exceeds the size limit' } },
  414: { error: URI_TOO_LONG, fields: { uri: 'exceeds the length limit' } },
  429: { error: 'too many requests' },
  431: { error: 'request headers too large', fields: { headers: 'exceed the size limit' } },
  500: { error: 'internal error' },
  502: { error: 'service unavailable: no healthy upstream' },
  503: { error: 'service unavailable' },
  504: { error: 'upstream timed out' },
};

// nginx's single-quoted strings: only ' and \ need escaping.
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const listenDirective = (l: Listen) => `listen ${l.host ? `${l.host}:` : ''}${l.port}`;

const bytes = (n: number) => (n % 1024 === 0 ? `${n / 1024}k` : String(n));

/** Headers nginx puts on every answer, its own and the app's (the app's copies are hidden). */
function commonHeaders(indent: string, hstsMaxAgeS = 0): string {
  return [
    'add_header X-Request-Id $req_id always;',
    'add_header X-Content-Type-Options nosniff always;',
    ...hstsHeader(hstsMaxAgeS),
  ].map((l) => indent + l).join('\n');
}

/** The proxying directives every location to the replicas shares. */
function proxyDirectives(input: NginxConfigInput, indent: string, pass = 'http://app'): string {
  return [
    // In each proxying location, not the server: the 405's internal redirect to its error page
    // would meet a server-level check again (the map's value is cached) and end as nginx's HTML.
    'if ($method_allowed = 0) {',
    '    return 405;',
    '}',
    `proxy_pass ${pass};`,
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    // $host, not $http_host: an HTTP/1.0 request may come without a Host header.
    'proxy_set_header Host $host;',
    'proxy_set_header X-Request-Id $req_id;',
    'proxy_set_header X-Real-IP $remote_addr;',
    // Replaced, never appended to: the app sees one address, the one nginx itself vouches for
    // (the peer, or what realip took from a trusted proxy), so a client cannot choose its own.
    'proxy_set_header X-Forwarded-For $remote_addr;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    `proxy_connect_timeout ${input.proxyConnectTimeoutS ?? 2}s;`,
    'proxy_send_timeout 10s;',
  ].map((l) => indent + l).join('\n');
}

export function renderNginxConf(input: NginxConfigInput): string {
  if (input.upstreams.length === 0) throw new Error('nginx: at least one upstream is required');
  const p = input.paths ?? CONTAINER_NGINX_PATHS;
  const policy = input.policy;
  const per = policy.perAddress;
  const maxFails = input.maxFails ?? UPSTREAM_MAX_FAILS;
  const failTimeout = input.failTimeoutS ?? (input.resolver ? resolvedFailTimeoutS(input.resolver.validS) : UPSTREAM_FAIL_TIMEOUT_S);
  const errorCodes = Object.keys(NGINX_ERROR_BODIES).map(Number);
  // `resolve` needs the group in shared memory (a zone) and a resolver; ipv6=off: Cloud Map
  // publishes A records only.
  const resolve = input.resolver ? ' resolve' : '';
  const upstreamZone = input.resolver
    ? `        zone app 64k;\n        resolver ${input.resolver.address} valid=${input.resolver.validS}s ipv6=off;\n        resolver_timeout ${RESOLVER_TIMEOUT_S}s;\n`
    : '';
  // 494 is nginx's "request header too large": the same thing as the app's 431.
  const errorPages = [...errorCodes.map((c) => `    error_page ${c} /_error/${c};`), '    error_page 494 =431 /_error/431;'];
  // HSTS only where clients came over HTTPS: not in the plain-HTTP server of a TLS front door.
  const errorLocationsFor = (hstsMaxAgeS: number | undefined) => errorCodes.map((c) => {
    // A 405 must say what is allowed (RFC 9110); add_header here replaces the server's, so repeat them.
    const allow = c === 405
      ? `\n${commonHeaders('            ', hstsMaxAgeS)}\n            add_header Allow ${quote(policy.methods.join(', '))} always;`
      : '';
    return `        location = /_error/${c} {\n            internal;${allow}\n            return ${c} ${quote(JSON.stringify(NGINX_ERROR_BODIES[c]))};\n        }`;
  });
  const errorLocations = errorLocationsFor(input.hstsMaxAgeS);
  const methodPattern = `~^(${policy.methods.join('|')})$`;
  const drain = input.drainFlagFile ? `${drainCheck(input.drainFlagFile, '            ')}\n` : '';
  const drainTwin = input.drainFlagFile
    ? `\n${drainLocation({ proxy: proxyDirectives(input, '            ', 'http://app$request_uri'), bodyLimit: bytes(policy.bodyBytes), readTimeoutS: input.proxyReadTimeoutS ?? 15 }, '        ')}\n`
    : '';
  const probePattern = `~ ^(${policy.probePaths.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
  const realIp = policy.trustedProxies.length === 0 ? '' : `
    # Only the proxies in front of nginx may say who the client is; from the right, the first
    # address they did not add is the client's.
${policy.trustedProxies.map((a) => `    set_real_ip_from ${a};`).join('\n')}
    real_ip_header X-Forwarded-For;
    real_ip_recursive on;
`;

  const limits = `        limit_conn connections ${per.connections};\n        limit_req zone=per_address burst=${per.burst} nodelay;`;
  const plain = input.tls
    ? plainHttpServer({ tls: input.tls, listen: listenDirective(input.listen), headers: commonHeaders('        '), limits, errorLocations: errorLocationsFor(0).join('\n') }) + '\n'
    : '';

  return `# Rendered by infra/render/nginx.ts: do not edit by hand.
# No \`daemon\` or \`user\` directive: the command line sets daemon off, and nginx runs unprivileged.
worker_processes ${input.workerProcesses ?? 'auto'};
pid ${p.pidFile};
error_log ${p.errorLog} warn;

events {
    worker_connections ${input.workerConnections ?? 4096};
}

http {
    default_type application/json;
    server_tokens off;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 10000;

    client_body_temp_path ${p.tempDir}/client_body;
    proxy_temp_path ${p.tempDir}/proxy;
    fastcgi_temp_path ${p.tempDir}/fastcgi;
    uwsgi_temp_path ${p.tempDir}/uwsgi;
    scgi_temp_path ${p.tempDir}/scgi;

    # Every size below is the app's own limit: what a replica would refuse by closing the
    # connection (and so look dead to nginx), nginx refuses first, with an answer.
    # The upload limit here, the JSON one in each location: an error page reached from an upload
    # location (a 502 halfway through) must not meet a smaller limit, or nginx answers in HTML.
    client_max_body_size ${bytes(Math.max(policy.bodyBytes, policy.uploads.bodyBytes))};
    client_body_timeout ${policy.clientTimeoutS}s;
    client_header_timeout ${policy.clientTimeoutS}s;
    send_timeout ${policy.clientTimeoutS}s;
    large_client_header_buffers ${policy.headerBuffers.count} ${bytes(policy.headerBuffers.bytes)};
${realIp}
    # One address's flood must not starve everyone else: requests and connections per address.
    limit_req_zone $binary_remote_addr zone=per_address:10m rate=${per.requestsPerSecond}r/s;
    limit_req_zone $binary_remote_addr zone=probes:1m rate=${per.probeRequestsPerSecond}r/s;
    limit_conn_zone $binary_remote_addr zone=connections:10m;
    limit_req_status 429;
    limit_conn_status 429;
    limit_req_log_level warn;
    limit_conn_log_level warn;

    map $request_method $method_allowed {
        default 0;
        "${methodPattern}" 1;
    }

    # A client's X-Request-Id is kept when it looks like an id; otherwise nginx makes one.
    map $http_x_request_id $req_id {
        default $request_id;
        "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;
    }

    log_format json escape=json '{"time":"$time_iso8601","request_id":"$req_id",'
        '"remote_addr":"$remote_addr","x_forwarded_for":"$http_x_forwarded_for",'
        '"method":"$request_method","uri":"$request_uri","status":$status,'
        '"bytes_sent":$body_bytes_sent,"request_time":$request_time,'
        '"upstream_addr":"$upstream_addr","upstream_status":"$upstream_status",'
        '"upstream_connect_time":"$upstream_connect_time",'
        '"upstream_header_time":"$upstream_header_time",'
        '"upstream_response_time":"$upstream_response_time",'
        '"user_agent":"$http_user_agent","referer":"$http_referer"}';
    access_log ${p.accessLog} json;

    upstream app {
        least_conn;
        # Passive health counts connection errors and timeouts only, and the front door lets
        # no request through that a healthy replica would answer by closing the connection.
${upstreamZone}${input.upstreams.map((u) => `        server ${u} max_fails=${maxFails} fail_timeout=${failTimeout}s${resolve};`).join('\n')}
        keepalive ${input.upstreamKeepalive ?? 64};
        # Below the app's own keep-alive timeout, so nginx never reuses a socket the app is closing.
        keepalive_timeout 50s;
    }

    # nginx's own errors (bad request lines, body too large, no live upstream...) in the service's
    # JSON shape. The app's answers pass through untouched: proxy_intercept_errors stays off.
${errorPages.join('\n')}

${plain}    server {
${input.tls ? tlsServerDirectives(input.tls, '        ') : `        ${listenDirective(input.listen)} default_server;`}
        server_name _;

        # The app sends these too: one copy each, nginx's, also on nginx's own answers.
        proxy_hide_header X-Request-Id;
        proxy_hide_header X-Content-Type-Options;
${commonHeaders('        ', input.hstsMaxAgeS)}

${limits}

        # Metrics live on each replica's internal port, never behind the front door.
        location = /metrics {
            client_max_body_size ${bytes(policy.bodyBytes)};
            return 404;
        }

        location / {
            client_max_body_size ${bytes(policy.bodyBytes)};
${drain}${proxyDirectives(input, '            ')}
            proxy_read_timeout ${input.proxyReadTimeoutS ?? 15}s;
            # A dead or unreachable replica: try the next one. nginx never retries POST, PATCH
            # or LOCK here (that needs \`non_idempotent\`, deliberately absent), so a create is
            # never sent twice. 503 is not retried: it is the app saying a dependency is down.
            proxy_next_upstream error timeout http_502 http_504;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 5s;
            proxy_buffering on;
        }

        # Probes: cheap for the app, so a tighter per-address rate keeps a flood of them cheap too.
        location ${probePattern} {
            limit_req zone=per_address burst=${per.burst} nodelay;
            limit_req zone=probes burst=${per.probeRequestsPerSecond * 2} nodelay;
            client_max_body_size ${bytes(policy.bodyBytes)};
${drain}${proxyDirectives(input, '            ')}
            proxy_read_timeout ${input.proxyReadTimeoutS ?? 15}s;
            proxy_next_upstream error timeout http_502 http_504;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 5s;
        }
${drainTwin}
${policy.uploads.paths.map((path) => `        # An upload streams to the replica (no copy of it in nginx's tmpfs) and may take minutes
        # to import; it is never retried, and a slow import is not a dead replica.
        location = ${path} {
            client_max_body_size ${bytes(policy.uploads.bodyBytes)};
            proxy_request_buffering off;
${proxyDirectives(input, '            ')}
            proxy_read_timeout ${policy.uploads.readTimeoutS}s;
            proxy_next_upstream off;
        }
`).join('\n')}
${errorLocations.join('\n')}
    }

    server {
        ${listenDirective(input.statusListen)};
        server_name status;
        access_log off;

        location = /stub_status {
            stub_status;
${input.statusAllow.map((a) => `            allow ${a};`).join('\n')}
            deny all;
        }

        location / {
            return 404;
        }

${errorLocations.join('\n')}
    }
}
`;
}
