import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TOLLGATE_SOURCE } from '../../shared/core/events/tollgate-detail-types';

/** Thrown when the source cannot be reserved: nobody would be left to publish Tollgate's own events. */
export class EventSourceReservationError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventSourceReservationError';
  }
}

/** The Sid of the bus policy statement (CDK prefixes `cdk-` when it writes the `AWS::Events::EventBusPolicy`). */
export const RESERVED_SOURCE_SID = 'OnlyTollgatePublishesTollgateEvents';

/**
 * Reserves `source: tollgate` on `bus` for `publishers`, Tollgate's own function roles. A bus resource-policy Deny
 * of `events:PutEvents` for any entry whose source is Tollgate's (`events:source`, which EventBridge supplies on
 * PutEvents; ForAnyValue because one call carries several entries), unless `aws:PrincipalArn` is one of the
 * publishers. An explicit Deny in a resource policy binds principals of the bus's own account too, whatever their
 * identity policies allow (`events:*` on `*` included), so a consumer that matches `source: ["tollgate"]` on this bus
 * receives only what Tollgate's functions published. The match ignores case: `Tollgate` is refused as well, so
 * nothing can pass for Tollgate to a reader who compares loosely.
 *
 * Other sources stay open to whoever IAM lets publish: the policy denies, it grants nothing.
 *
 * @throws EventSourceReservationError with no publishers (the Deny would then refuse Tollgate itself)
 */
export const reserveTollgateSource = (bus: events.EventBus, publishers: readonly iam.IRole[]): void => {
  if (publishers.length === 0) {
    throw new EventSourceReservationError(`reserving source ${TOLLGATE_SOURCE} needs at least one publisher`);
  }
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: RESERVED_SOURCE_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        'ForAnyValue:StringEqualsIgnoreCase': { 'events:source': [TOLLGATE_SOURCE] },
        // Every session of a role has the role's ARN here; a principal without one (a service) is refused too.
        ArnNotEquals: { 'aws:PrincipalArn': publishers.map((role) => role.roleArn) },
      },
    }),
  );
};
