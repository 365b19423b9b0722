import { isDigest, type Digest } from '../domain';
import { InvalidImageReferenceError } from './errors';

/** An image as a user names it: by tag, by digest, or both (then the digest wins, as in Docker). */
export interface ImageReference {
  /** The registry host with optional port, `docker.io` for Docker Hub. */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

// The distribution/reference grammar (github.com/distribution/reference): lower-case path components separated
// by `.`, `_`, `__` or dashes; a tag of at most 128 word characters, dots and dashes.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::\\d{1,5})?$`);
const MAX_NAME_LENGTH = 255;

/**
 * Parses `registry/repo:tag`, `registry/repo@sha256:…` or both, with ports (`127.0.0.1:5000/team/app:v1`) and
 * IPv6 hosts (`[::1]:5000/app`). A first component is a registry only when it looks like one (a dot, a port or
 * `localhost`), so `team/app` is Docker Hub's, exactly as docker and containers/image read it.
 * @throws InvalidImageReferenceError
 */
export const parseImageReference = (text: string): ImageReference => {
  const fail = (reason: string): never => {
    throw new InvalidImageReferenceError(text, reason);
  };
  if (text.trim() !== text || text === '') fail('empty, or surrounded by spaces');
  if (text.includes('://')) fail('write it without a scheme, e.g. registry.example/team/app:v1');

  const at = text.indexOf('@');
  const named = at === -1 ? text : text.slice(0, at);
  const digestText = at === -1 ? undefined : text.slice(at + 1);
  if (digestText !== undefined && !isDigest(digestText)) {
    fail(`${JSON.stringify(digestText)} is not a digest of the form sha256:<64 lowercase hex>`);
  }

  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? named : named.slice(0, colon);
  const tag = colon === -1 ? undefined : named.slice(colon + 1);
  if (tag !== undefined && !TAG.test(tag)) fail(`${JSON.stringify(tag)} is not a valid tag`);

  const components = name.split('/');
  const first = components[0] ?? '';
  const hasRegistry =
    components.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  let registry = hasRegistry ? first : DOCKER_HUB;
  if (hasRegistry && !DOMAIN.test(first)) fail(`${JSON.stringify(first)} is not a registry host`);
  if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;

  const path = hasRegistry ? components.slice(1) : components;
  if (path.length === 0 || path.some((component) => !PATH_COMPONENT.test(component))) {
    fail('the repository must be lower-case letters, digits and separators (. _ __ -), parts joined by /');
  }
  const repository =
    registry === DOCKER_HUB && path.length === 1 ? `library/${path.join('/')}` : path.join('/');
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) fail(`longer than ${MAX_NAME_LENGTH} characters`);

  return {
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digestText === undefined ? {} : { digest: digestText as Digest }),
  };
};

/** `registry/repository[:tag][@digest]`, the canonical spelling. */
export const formatImageReference = (reference: ImageReference): string =>
  `${reference.registry}/${reference.repository}${reference.tag === undefined ? '' : `:${reference.tag}`}${
    reference.digest === undefined ? '' : `@${reference.digest}`
  }`;

/** The name signatures bind to: `registry/repository`, no tag, no digest. */
export const repositoryIdentity = (reference: Pick<ImageReference, 'registry' | 'repository'>): string =>
  `${reference.registry}/${reference.repository}`;

/** The host the Distribution API is served from: Docker Hub's differs from its name. */
export const registryApiHost = (registry: string): string =>
  registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
