/**
 * The fewest calls an approved image needs on the ECR path with all three formats (docs/benchmarks.md, "Calls
 * against the minimum"): one signature per format; the verdict and the `Signing Requested` hop; the findings judged;
 * the image read and the `.sig` read; per blob two upload requests (`.sig` payload and config, one layer per bundle,
 * the `{}` config already there); one manifest per format. Every API not named here has a minimum of 0.
 */
export const ECR_PATH_MINIMUM: Readonly<Record<string, number>> = {
  'kms:Sign': 3,
  'events:PutEvents': 2,
  'ecr:DescribeImageScanFindings': 1,
  'registry:GET manifest': 2,
  'registry:POST blob upload': 4,
  'registry:PUT blob upload': 4,
  'registry:PUT manifest': 3,
};

export const ECR_PATH_MINIMUM_TOTAL = Object.values(ECR_PATH_MINIMUM).reduce((sum, n) => sum + n, 0);

/** Each API's count against its minimum, for the report and the JSON: what is above it is what the doc justifies. */
export const againstMinimum = (
  byApi: Readonly<Record<string, number>>,
): { readonly api: string; readonly count: number; readonly minimum: number; readonly above: number }[] =>
  [...new Set([...Object.keys(ECR_PATH_MINIMUM), ...Object.keys(byApi)])].sort().map((api) => {
    const count = byApi[api] ?? 0;
    const minimum = ECR_PATH_MINIMUM[api] ?? 0;
    return { api, count, minimum, above: Math.round((count - minimum) * 100) / 100 };
  });
