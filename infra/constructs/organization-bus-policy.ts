import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';

/** The sources a spoke forwards: what on-push and on-scan consume, and nothing else. */
export const FORWARDED_SOURCES = ['aws.ecr', 'aws.inspector2'] as const;

/** The Sid of the statement (CDK prefixes `cdk-` when it writes the `AWS::Events::EventBusPolicy`). */
export const ORGANIZATION_EVENTS_SID = 'SpokesForwardTheirRegistryEvents';

/**
 * Opens `bus` to the events the spokes forward: `events:PutEvents` for principals of organization `organizationId`
 * (a spoke's forwarding rule acts as its account), for entries whose sources are all ECR's or Inspector's. A source a
 * member account could put itself (`tollgate`, anything not `aws.`) is not allowed here, and `tollgate` stays denied
 * to everyone but Tollgate's own roles (reserveTollgateSource). EventBridge refuses `aws.` sources from PutEvents
 * calls, so what arrives under them is what AWS emitted in that account.
 */
export const acceptOrganizationEvents = (bus: events.EventBus, organizationId: string): void => {
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: ORGANIZATION_EVENTS_SID,
      principals: [new iam.AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        StringEquals: { 'aws:PrincipalOrgID': organizationId },
        'ForAllValues:StringEquals': { 'events:source': [...FORWARDED_SOURCES] },
      },
    }),
  );
};
