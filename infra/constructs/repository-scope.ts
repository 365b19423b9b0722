import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The covered repositories as an EventBridge pattern on `detail.repository-name`: `wildcard` has the
 * same semantics as shared/core/domain/glob.ts, so the rule and the code select the same repositories.
 */
export const repositoryNamePattern = (repositories: readonly string[]): unknown[] =>
  repositories.map((pattern) => (pattern.includes('*') ? { wildcard: pattern } : pattern));

/**
 * Repository ARNs for IAM. IAM's `*` also matches `/`, so each glob names exactly the repositories the
 * rule routes; `*` alone becomes every repository of this account and region, never `Resource: *`.
 */
export const repositoryArns = (scope: IConstruct, repositories: readonly string[]): string[] => {
  const stack = Stack.of(scope);
  return repositories.map((pattern) =>
    stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: pattern }),
  );
};

/**
 * The accounts whose AWS events the rules take: this one. A default bus can be opened to other accounts (a central
 * event-routing set-up often opens it to the whole organization), and a forwarded `aws.ecr` event names only a
 * repository; without this, another account's push or delete of `team/app` would be handled as this account's.
 */
export const ownAccountPattern = (scope: IConstruct): string[] => [Stack.of(scope).account];
