// nginx.conf for the front door: pure, placement-free. A placement passes where nginx listens,
// where the replicas are and where its scratch files go; the rest is the policy written here.

export interface NginxPaths {
  pidFile: string;
  /** A file, or `stderr`. */
  errorLog: string;
  /** A file, or `/dev/stdout`. */
  accessLog: string;
  /** An existing folder; nginx creates its client body and proxy temp folders in it. */
  tempDir: string;
}

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

export interface NginxConfigInput {
  listen: Listen;
  /** stub_status, for the exporter: never published. */
  statusListen: Listen;
  /** Who may read stub_status (addresses or CIDRs). */
  statusAllow: string[];
  /** host:port of every app replica. */
  upstreams: string[];
  paths?: NginxPaths;
  clientMaxBodySize?: string;
  workerProcesses?: number | 'auto';
  workerConnections?: number;
  /** Idle keepalive connections kept per worker to the replicas. */
  upstreamKeepalive?: number;
  /** Passive health: a replica failing `maxFails` times in `failTimeoutS` is skipped for that long. */
  maxFails?: number;
  failTimeoutS?: number;
  proxyConnectTimeoutS?: number;
  proxyReadTimeoutS?: number;
}

/** The errors nginx itself may answer, each mapped to the service's JSON error shape. */
export const NGINX_ERROR_BODIES: Record<number, { error: string; fields?: Record<string, string> }> = {
  400: { error: 'bad request' },
  404: { error: 'not found' },
  405: { error: 'method not allowed' },
  413: { error: 'request body too large', fields: { body: 'exceeds the size limit' } },
  414: { error: 'request URI too long', fields: { uri: 'exceeds the length limit' } },
  429: { error: 'too many requests' },
  500: { error: 'internal error' },
  502: { error: 'service unavailable: no healthy upstream' },
  503: { error: 'service unavailable' },
  504: { error: 'upstream timed out' },
};

// nginx's single-quoted strings: only ' and \ need escaping.
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const listenDirective = (l: Listen) => `listen ${l.host ? `${l.host}:` : ''}${l.port}`;

export function renderNginxConf(input: NginxConfigInput): string {
  if (input.upstreams.length === 0) throw new Error('nginx: at least one upstream is required');
  const p = input.paths ?? CONTAINER_NGINX_PATHS;
  const maxFails = input.maxFails ?? 2;
  const failTimeout = input.failTimeoutS ?? 10;
  const errorCodes = Object.keys(NGINX_ERROR_BODIES).map(Number);
  // 494 is nginx's "request header too large", sent to clients as 400.
  const errorPages = [...errorCodes.map((c) => `    error_page ${c} /_error/${c};`), '    error_page 494 =400 /_error/400;'];
  const errorLocations = errorCodes.map((c) =>
    `        location = /_error/${c} {\n            internal;\n            return ${c} ${quote(JSON.stringify(NGINX_ERROR_BODIES[c]))};\n        }`);

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

    client_max_body_size ${input.clientMaxBodySize ?? '2m'};
    client_body_timeout 10s;
    client_header_timeout 10s;
    send_timeout 10s;
    large_client_header_buffers 4 8k;

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
${input.upstreams.map((u) => `        server ${u} max_fails=${maxFails} fail_timeout=${failTimeout}s;`).join('\n')}
        keepalive ${input.upstreamKeepalive ?? 64};
        # Below the app's own keep-alive timeout, so nginx never reuses a socket the app is closing.
        keepalive_timeout 50s;
    }

    # nginx's own errors (bad request lines, body too large, no live upstream...) in the service's
    # JSON shape. The app's answers pass through untouched: proxy_intercept_errors stays off.
${errorPages.join('\n')}

    server {
        ${listenDirective(input.listen)} default_server;
        server_name _;

        add_header X-Request-Id $req_id always;

        # Metrics live on each replica's internal port, never behind the front door.
        location = /metrics {
            return 404;
        }

        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Request-Id $req_id;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout ${input.proxyConnectTimeoutS ?? 2}s;
            proxy_send_timeout 10s;
            proxy_read_timeout ${input.proxyReadTimeoutS ?? 15}s;
            # A dead or unreachable replica: try the next one. nginx never retries POST, PATCH
            # or LOCK here (that needs \`non_idempotent\`, deliberately absent), so a create is
            # never sent twice. 503 is not retried: it is the app saying a dependency is down.
            proxy_next_upstream error timeout http_502 http_504;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 5s;
            proxy_buffering on;
        }

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
