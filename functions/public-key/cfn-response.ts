import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import type { FetchLike } from '../../shared/adapters/oci';

export type CustomResourceOutcome =
  | {
      readonly status: 'SUCCESS';
      readonly physicalResourceId: string;
      readonly data?: Record<string, string>;
    }
  | { readonly status: 'FAILED'; readonly physicalResourceId: string; readonly reason: string };

/**
 * Reports a custom resource's outcome to CloudFormation: a PUT of the response document to the pre-signed S3 URL
 * of the request. The URL is signed for an empty content type, so none is sent. Throws when the PUT fails, so that
 * Lambda's retry of the asynchronous invocation sends it again; without a response the stack would wait an hour.
 */
export const sendCustomResourceResponse = async (
  event: CloudFormationCustomResourceEvent,
  outcome: CustomResourceOutcome,
  fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init),
): Promise<void> => {
  const common = {
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  const document: CloudFormationCustomResourceResponse =
    outcome.status === 'SUCCESS'
      ? { Status: 'SUCCESS', ...common, ...(outcome.data === undefined ? {} : { Data: outcome.data }) }
      : { Status: 'FAILED', Reason: outcome.reason.slice(0, 3000), ...common };
  const body = JSON.stringify(document);
  const response = await fetchImpl(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    throw new Error(
      `CloudFormation response for ${event.LogicalResourceId} was refused: HTTP ${response.status}`,
    );
  }
};
