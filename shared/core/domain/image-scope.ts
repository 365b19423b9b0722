/**
 * The account and region an image lives in, when that is not the hub's own: a spoke of the organization
 * (docs/organization.md). The same digest pushed to two accounts, or to two regions of one, is two images with two
 * records and two verdicts; the hub's own images carry no scope, so their keys stay what they were before spokes.
 */
export interface ImageScope {
  /** The spoke's 12-digit account id. */
  readonly account: string;
  readonly region: string;
}

/**
 * The scope's part of every image key. `:` is not allowed in an ECR repository name, so no hub repository (say one
 * named `123456789012/eu-west-1/app`) can produce a key of a spoke's image.
 */
export const scopePrefix = (scope: ImageScope | undefined): string =>
  scope === undefined ? '' : `${scope.account}:${scope.region}:`;

/** `scope` as an optional property, so literals stay free of `scope: undefined` (exactOptionalPropertyTypes). */
export const withScope = (scope: ImageScope | undefined): { readonly scope?: ImageScope } =>
  scope === undefined ? {} : { scope };
