import type { AlertOrigin } from './alert-input';

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
/** ECR's own rule for repository names; anything else is not an ECR repository and gets no link. */
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

const consoleHost = (region: string): string => {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
};

/**
 * The image's page in the ECR console, or undefined when the inputs do not look like ECR. Every part
 * is checked against a strict pattern rather than escaped, so the link is safe to place inside Slack
 * `<url|text>` markup and mail text as it is. Account and region come from the registry host, or from
 * the event that carried the verdict (same account and region as the image).
 */
export const ecrConsoleUrl = (
  image: { readonly registry?: string | undefined; readonly repository: string; readonly digest: string },
  origin: AlertOrigin = {},
): string | undefined => {
  const host = image.registry === undefined ? undefined : ECR_HOST.exec(image.registry);
  const account = host?.[1] ?? origin.account;
  const region = host?.[2] ?? origin.region;
  if (account === undefined || region === undefined) return undefined;
  if (!ACCOUNT.test(account) || !REGION.test(region)) return undefined;
  if (!REPOSITORY.test(image.repository) || image.repository.length > 256) return undefined;
  if (!DIGEST.test(image.digest)) return undefined;
  // The console separates the repository name (which may hold `/`) from the rest with `/_/`.
  return (
    `${consoleHost(region)}/ecr/repositories/private/${account}/${image.repository}` +
    `/_/image/${image.digest}/details?region=${region}`
  );
};
