// What `npm run backup` and `npm run restore` do on a Pulumi stack, as the commands an operator
// runs (printed, not run: they need that stack's credentials and tools). Pure.
import { awsNames } from '../placements/types.js';
import { describeTarget, type RestoreTarget } from './target.js';

export type BackupAction = { kind: 'backup'; type?: 'full' | 'diff' | 'incr' } | { kind: 'list' } | { kind: 'restore'; target: RestoreTarget };

/** AWS: RDS automated backups (PITR over the retention window) and manual snapshots; a restore makes a new instance that takes the old one's name. */
export function awsCommands(stack: string, action: BackupAction, now = new Date()): string[] {
  const n = awsNames(stack);
  const db = n.rdsInstance;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase();
  const describe = (q: string) => `$(aws rds describe-db-instances --db-instance-identifier ${db} --query '${q}' --output text)`;
  switch (action.kind) {
    case 'backup':
      return [`aws rds create-db-snapshot --db-instance-identifier ${db} --db-snapshot-identifier ${db}-manual-${stamp}`];
    case 'list':
      return [
        `aws rds describe-db-instances --db-instance-identifier ${db} --query 'DBInstances[0].{retentionDays:BackupRetentionPeriod,latestRestorable:LatestRestorableTime}'`,
        `aws rds describe-db-snapshots --db-instance-identifier ${db} --query 'DBSnapshots[].[DBSnapshotIdentifier,SnapshotType,SnapshotCreateTime,Status]' --output table`,
      ];
    case 'restore': {
      const restored = `${db}-restore-${stamp}`;
      const when = action.target.kind === 'latest' ? '--use-latest-restorable-time' : `--restore-time ${action.target.at.toISOString()}`;
      return [
        `# restore to ${describeTarget(action.target)}: RDS restores into a new instance, which then takes the old one's name`,
        `aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier ${db} --target-db-instance-identifier ${restored} ${when} `
          + `--db-subnet-group-name ${describe('DBInstances[0].DBSubnetGroup.DBSubnetGroupName')} `
          + `--vpc-security-group-ids ${describe('DBInstances[0].VpcSecurityGroups[].VpcSecurityGroupId')} `
          + `--db-parameter-group-name ${describe('DBInstances[0].DBParameterGroups[0].DBParameterGroupName')} --no-publicly-accessible`,
        `aws rds wait db-instance-available --db-instance-identifier ${restored}`,
        '# stop writers: the app reaches the database only through PgBouncer',
        `aws ecs update-service --cluster ${n.cluster} --service ${n.service('pgbouncer')} --desired-count 0`,
        `aws ecs wait services-stable --cluster ${n.cluster} --services ${n.service('pgbouncer')}`,
        `aws rds modify-db-instance --db-instance-identifier ${db} --new-db-instance-identifier ${db}-before-${stamp} --apply-immediately`,
        `aws rds wait db-instance-available --db-instance-identifier ${db}-before-${stamp}`,
        `aws rds modify-db-instance --db-instance-identifier ${restored} --new-db-instance-identifier ${db} --apply-immediately`,
        `aws rds wait db-instance-available --db-instance-identifier ${db}`,
        '# migrations check: a new app task runs the migration as its init container',
        `aws ecs update-service --cluster ${n.cluster} --service ${n.service('pgbouncer')} --desired-count 1`,
        `aws ecs update-service --cluster ${n.cluster} --service ${n.service('app')} --force-new-deployment`,
        `aws ecs wait services-stable --cluster ${n.cluster} --services ${n.service('pgbouncer')} ${n.service('app')}`,
        `pulumi refresh --stack ${stack}   # the state then follows the renamed instances; delete ${db}-before-${stamp} once the restore is checked`,
      ];
    }
  }
}
