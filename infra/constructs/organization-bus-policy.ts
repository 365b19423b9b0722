import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { OrganizationConfig } from '../../shared/core/config';
import { ECR_IMAGE_ACTION } from '../../shared/core/events/ecr-image-action';
import { ECR_IMAGE_SCAN } from '../../shared/core/events/ecr-image-scan';
import { INSPECTOR2_FINDING } from '../../shared/core/events/inspector2-finding';
import { INSPECTOR2_SCAN } from '../../shared/core/events/inspector2-scan';

/** The sources a spoke forwards: what on-push and on-scan consume, and nothing else. */
export const FORWARDED_SOURCES = ['aws.ecr', 'aws.inspector2'] as const;

/** Of those sources, the detail types Tollgate reads (not, say, `AWS API Call via CloudTrail` under aws.ecr). */
export const FORWARDED_DETAIL_TYPES = [
  ECR_IMAGE_ACTION,
  ECR_IMAGE_SCAN,
  INSPECTOR2_SCAN,
  INSPECTOR2_FINDING,
] as const;

/** The Sid prefix of the statements (CDK prefixes `cdk-` when it writes each `AWS::Events::EventBusPolicy`). */
export const ORGANIZATION_EVENTS_SID = 'SpokesForwardTheirRegistryEvents';

/**
 * Opens `bus` to the events the configured spokes forward: `events:PutEvents` for principals of the organization
 * that are the spoke accounts listed (`aws:PrincipalAccount`) or lie under the spoke OUs (`aws:PrincipalOrgPaths`),
 * for entries whose sources and detail types are all ECR's and Inspector's that Tollgate reads. Another member
 * account, a sandbox say, forwards nothing here. A source a member could put itself (`tollgate`, anything not
 * `aws.`) is not allowed, and `tollgate` stays denied to everyone but Tollgate's own roles (reserveTollgateSource).
 * EventBridge refuses `aws.` sources from PutEvents calls, so what arrives under them is what AWS emitted there.
 */
export const acceptOrganizationEvents = (bus: events.EventBus, organization: OrganizationConfig): void => {
  const entries = {
    'ForAllValues:StringEquals': {
      'events:source': [...FORWARDED_SOURCES],
      'events:detail-type': [...FORWARDED_DETAIL_TYPES],
    },
  };
  const accounts = [...new Set(organization.spokes.flatMap((spoke) => spoke.accounts ?? []))];
  const units = [...new Set(organization.spokes.flatMap((spoke) => spoke.organizationalUnits ?? []))];
  const allow = (suffix: string, who: Record<string, Record<string, string | string[]>>): void => {
    bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${ORGANIZATION_EVENTS_SID}${suffix}`,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
        conditions: {
          ...who,
          StringEquals: { 'aws:PrincipalOrgID': organization.id, ...who.StringEquals },
          ...entries,
        },
      }),
    );
  };
  if (accounts.length > 0) allow('ByAccount', { StringEquals: { 'aws:PrincipalAccount': accounts } });
  // An OU's path is `o-…/r-…/…/ou-…/`, nested OUs below it: any account at or under one of the spoke OUs.
  if (units.length > 0) {
    allow('ByUnit', {
      'ForAnyValue:StringLike': {
        'aws:PrincipalOrgPaths': units.map((unit) => `${organization.id}/*/${unit}/*`),
      },
    });
  }
};
