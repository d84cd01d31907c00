// The front door on AWS: an internet-facing ALB in the public subnets, forwarding to nginx's
// tasks (ip targets). HTTPS with an ACM certificate when one is configured (or issued for the
// stack's domain), HTTP then only redirects; plain HTTP otherwise.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AwsSettings } from '../../topology/config-aws.js';
import { PORTS } from '../../topology/names.js';

export interface FrontDoorArgs {
  settings: AwsSettings;
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** TLS 1.2 and 1.3 only. */
export const SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export class FrontDoor extends pulumi.ComponentResource {
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  /** The address clients use: the domain, or the ALB's own name. */
  readonly url: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;
  /** ECS attaches a service to a target group only once a listener forwards to it. */
  readonly listeners: aws.lb.Listener[] = [];

  constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:aws:FrontDoor', name, {}, opts);
    const parent = { parent: this };
    const { settings, tags } = args;
    this.loadBalancer = new aws.lb.LoadBalancer(`${name}-alb`, {
      loadBalancerType: 'application', internal: false, subnets: args.subnetIds, securityGroups: [args.securityGroupId],
      // Requests with malformed headers are refused here rather than passed to nginx.
      dropInvalidHeaderFields: true, idleTimeout: 60, enableDeletionProtection: settings.tier === 'prod', tags,
    }, parent);
    this.targetGroup = new aws.lb.TargetGroup(`${name}-nginx`, {
      vpcId: args.vpcId, targetType: 'ip', protocol: 'HTTP', port: PORTS.nginx.http,
      // In-flight requests get 30 s to finish when a task leaves (nginx drains in less).
      deregistrationDelay: 30,
      // nginx itself, not the app behind it: one slow replica must not take the front door out.
      healthCheck: {
        protocol: 'HTTP', port: String(PORTS.nginx.status), path: '/stub_status', matcher: '200',
        interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3,
      },
      tags,
    }, parent);

    let certificateArn: pulumi.Input<string> | undefined = settings.certificateArn;
    if (!certificateArn && settings.domain && settings.hostedZoneId) {
      const cert = new aws.acm.Certificate(`${name}-cert`, { domainName: settings.domain, validationMethod: 'DNS', tags }, parent);
      const option = cert.domainValidationOptions[0]!;
      const record = new aws.route53.Record(`${name}-cert-validation`, {
        zoneId: settings.hostedZoneId, name: option.resourceRecordName, type: option.resourceRecordType,
        records: [option.resourceRecordValue], ttl: 60, allowOverwrite: true,
      }, parent);
      certificateArn = new aws.acm.CertificateValidation(`${name}-cert`, {
        certificateArn: cert.arn, validationRecordFqdns: [record.fqdn],
      }, parent).certificateArn;
    }
    if (settings.domain && settings.hostedZoneId) {
      new aws.route53.Record(`${name}-alias`, {
        zoneId: settings.hostedZoneId, name: settings.domain, type: 'A',
        aliases: [{ name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true }],
      }, parent);
    }

    const forward = [{ type: 'forward', targetGroupArn: this.targetGroup.arn }];
    if (certificateArn) {
      this.listeners.push(new aws.lb.Listener(`${name}-https`, {
        loadBalancerArn: this.loadBalancer.arn, port: 443, protocol: 'HTTPS', sslPolicy: SSL_POLICY, certificateArn, defaultActions: forward, tags,
      }, parent));
      new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: this.loadBalancer.arn, port: 80, protocol: 'HTTP', tags,
        defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      }, parent);
    } else {
      this.listeners.push(new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: this.loadBalancer.arn, port: 80, protocol: 'HTTP', defaultActions: forward, tags,
      }, parent));
    }
    this.host = settings.domain ? pulumi.output(settings.domain) : this.loadBalancer.dnsName;
    this.url = pulumi.interpolate`${certificateArn ? 'https' : 'http'}://${this.host}`;
    this.registerOutputs({});
  }
}
