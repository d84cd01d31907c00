// backupS3: the backup repository in S3-compatible storage, on Docker; its key pair as secrets.
import { describe, expect, it } from 'vitest';
import { parseStackConfig } from '../topology/config.js';
import { problemsIn } from './support/config-problems.js';

const keys = { backupS3AccessKey: 'AK', backupS3SecretKey: 'SK' };

describe('backupS3 config', () => {
  it('is off by default: the backup volume holds the repository', () => {
    expect(parseStackConfig({}).backupS3).toBeUndefined();
    // Keys set before the bucket are kept unread.
    expect(parseStackConfig(keys).backupS3).toBeUndefined();
  });

  it('takes the bucket, endpoint and region, host-style addressing and TLS checks by default', () => {
    expect(parseStackConfig({ backupS3: { bucket: 'shortstack-backups', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' }, ...keys }).backupS3)
      .toEqual({ bucket: 'shortstack-backups', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', uriStyle: 'host', verifyTls: true });
    expect(parseStackConfig({ backupS3: { bucket: 'b-1', endpoint: 'minio.lan:9000', region: 'us-east-1', uriStyle: 'path', verifyTls: false }, ...keys }).backupS3)
      .toMatchObject({ endpoint: 'minio.lan:9000', uriStyle: 'path', verifyTls: false });
  });

  it('takes a private endpoint\'s CA as PEM, only with the TLS check on', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const s3 = { bucket: 'b-1', endpoint: 'minio.lan:9000', region: 'us-east-1', caCertificate: ca };
    expect(parseStackConfig({ backupS3: s3, ...keys }).backupS3).toMatchObject({ caCertificate: ca, verifyTls: true });
    expect(problemsIn({ backupS3: { ...s3, caCertificate: 'not a certificate' }, ...keys })).toEqual({
      'backupS3.caCertificate': expect.stringMatching(/must be a PEM certificate/),
    });
    expect(problemsIn({ backupS3: { ...s3, verifyTls: false }, ...keys })).toEqual({
      'backupS3.caCertificate': expect.stringMatching(/not read with verifyTls false/),
    });
  });

  it('names every missing or bad part at once, and the key pair it needs', () => {
    expect(problemsIn({ backupS3: { bucket: 'Bad_Bucket', endpoint: 'https://s3.example', uriStyle: 'virtual', extra: 1 } })).toEqual({
      'backupS3.bucket': expect.stringMatching(/must be an S3 bucket name/),
      'backupS3.endpoint': expect.stringMatching(/without a scheme/),
      'backupS3.region': 'must be set',
      'backupS3.uriStyle': expect.stringMatching(/"host" or "path"/),
      'backupS3.extra': 'is not a known key',
      backupS3AccessKey: expect.stringMatching(/pulumi config set --secret shortstack:backupS3AccessKey/),
      backupS3SecretKey: expect.stringMatching(/pulumi config set --secret shortstack:backupS3SecretKey/),
    });
  });

  it('is refused on AWS, where RDS keeps the backups', () => {
    expect(problemsIn({ placement: 'aws', aws: {}, backupS3: { bucket: 'bkt', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1' }, ...keys }, 'eu-west-1'))
      .toMatchObject({ backupS3: expect.stringMatching(/docker placement only.*RDS keeps the backups/) });
  });
});
