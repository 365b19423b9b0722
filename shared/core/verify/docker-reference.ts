/**
 * The repository name of a docker reference, normalized the way containers/image does (`busybox` is
 * `docker.io/library/busybox`), with any tag or digest removed: a signature identifies a repository.
 */
export const repositoryName = (reference: string): string => {
  const withoutDigest = reference.split('@')[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  const [first, ...rest] = name.split('/');
  const hasDomain = rest.length > 0 && first !== undefined && (/[.:]/.test(first) || first === 'localhost');
  if (hasDomain) return name;
  return rest.length === 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
};

export const sameRepository = (signed: string, expected: string): boolean =>
  repositoryName(signed) === repositoryName(expected);
