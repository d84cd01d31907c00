// Grafana Alloy's config: discover this stack's containers through the Docker API, read their
// (JSON) logs, label each line with the component and replica it came from, push to Loki.
// The Docker API is a read-only socket proxy's (tcp://), never the socket: whoever holds the
// socket holds the host.

export interface AlloyConfigInput {
  /** The Docker socket proxy's address as Alloy sees it: tcp://host:port. */
  dockerHost: string;
  /** Only containers carrying this label=value are read (this stack's, not the host's others). */
  stackLabel: { name: string; value: string };
  /** Container labels naming the component and the replica. */
  componentLabel: string;
  instanceLabel: string;
  /** host:port of Loki. */
  loki: string;
}

/** Docker's label `a.b-c` becomes the discovery meta label `__meta_docker_container_label_a_b_c`. */
export const dockerMetaLabel = (label: string) => `__meta_docker_container_label_${label.replace(/[^A-Za-z0-9_]/g, '_')}`;

const str = (s: string) => JSON.stringify(s);

export function renderAlloyConfig(input: AlloyConfigInput): string {
  if (!/^tcp:\/\/[\w.-]+:\d+$/.test(input.dockerHost)) {
    throw new Error(`Alloy reads the Docker API through the socket proxy (tcp://host:port), not ${input.dockerHost}`);
  }
  return `// Rendered by infra/render/alloy.ts: do not edit by hand.
discovery.docker "containers" {
  host = ${str(input.dockerHost)}
  filter {
    name   = "label"
    values = [${str(`${input.stackLabel.name}=${input.stackLabel.value}`)}]
  }
}

discovery.relabel "containers" {
  targets = []

  rule {
    source_labels = [${str(dockerMetaLabel(input.componentLabel))}]
    target_label  = "component"
  }

  rule {
    source_labels = [${str(dockerMetaLabel(input.instanceLabel))}]
    target_label  = "replica"
  }
}

loki.source.docker "containers" {
  host          = ${str(input.dockerHost)}
  targets       = discovery.docker.containers.targets
  relabel_rules = discovery.relabel.containers.rules
  forward_to    = [loki.process.json.receiver]
}

// Every component logs JSON (pino, nginx's json log_format): lift the level into a label and
// keep request ids searchable as structured metadata rather than as a high-cardinality label.
loki.process "json" {
  stage.json {
    expressions = { level = "level", request_id = "request_id" }
  }

  stage.labels {
    values = { level = "" }
  }

  stage.structured_metadata {
    values = { request_id = "" }
  }

  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = ${str(`http://${input.loki}/loki/api/v1/push`)}
  }
}
`;
}
