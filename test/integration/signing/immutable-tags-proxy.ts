import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** ECR's tag mutability settings that matter for signatures. */
export type TagMutabilitySetting =
  | { readonly mutability: 'MUTABLE' }
  | { readonly mutability: 'IMMUTABLE' }
  | { readonly mutability: 'IMMUTABLE_WITH_EXCLUSION'; readonly exclusionFilters: readonly string[] };

export interface ImmutableTagsProxy {
  /** `127.0.0.1:PORT`: use it as the registry host. */
  readonly host: string;
  /** Changes the rule for the next requests, as PutImageTagMutability would. */
  setMutability(setting: TagMutabilitySetting): void;
  /** Tag pushes the proxy refused, as `repository:tag`. */
  readonly refused: readonly string[];
  readonly stop: () => Promise<void>;
}

const MANIFEST_PUT = /^\/v2\/(.+)\/manifests\/([^/]+)$/;

// ECR's WILDCARD filter: `*` matches any characters; nothing else is special.
const matches = (filter: string, tag: string): boolean =>
  new RegExp(
    `^${filter
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(tag);

const immutable = (setting: TagMutabilitySetting, tag: string): boolean => {
  switch (setting.mutability) {
    case 'MUTABLE':
      return false;
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !setting.exclusionFilters.some((filter) => matches(filter, tag));
  }
};

/**
 * A loopback proxy in front of a real Distribution registry that enforces ECR's tag immutability the way ECR's
 * OCI endpoint does: a manifest PUT to an immutable tag that already exists is refused with 400 `TAG_INVALID` and
 * ECR's message (ECR refuses it even for the same digest); new tags, pushes by digest and deletes pass.
 * Distribution itself has no such setting, and the local AWS stand-in only records it.
 */
export const startImmutableTagsProxy = async (
  upstream: string,
  initial: TagMutabilitySetting,
): Promise<ImmutableTagsProxy> => {
  let setting = initial;
  const refused: string[] = [];
  const [upstreamHost, upstreamPort] = upstream.split(':');

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, body?: Buffer): void => {
    const proxied = request(
      {
        host: upstreamHost,
        port: Number(upstreamPort),
        method: incoming.method,
        path: incoming.url,
        // The Host header is kept, so the registry builds upload locations that point back at the proxy.
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    proxied.on('error', (error) => outgoing.destroy(error));
    if (body === undefined) incoming.pipe(proxied);
    else proxied.end(body);
  };

  const currentDigest = (incoming: IncomingMessage, path: string): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      const head = request(
        {
          host: upstreamHost,
          port: Number(upstreamPort),
          method: 'HEAD',
          path,
          headers: {
            accept: incoming.headers['content-type'] ?? '*/*',
            authorization: incoming.headers.authorization ?? '',
          },
        },
        (answer) => {
          answer.resume();
          const digest = answer.headers['docker-content-digest'];
          resolve(answer.statusCode === 200 && typeof digest === 'string' ? digest : undefined);
        },
      );
      head.on('error', reject);
      head.end();
    });

  const server: Server = createServer((incoming, outgoing) => {
    const match = incoming.method === 'PUT' ? MANIFEST_PUT.exec(incoming.url ?? '') : null;
    const repository = match?.[1];
    const reference = match?.[2];
    if (repository === undefined || reference === undefined || reference.startsWith('sha256:')) {
      forward(incoming, outgoing);
      return;
    }
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      void currentDigest(incoming, incoming.url ?? '').then(
        (existing) => {
          if (existing !== undefined && immutable(setting, reference)) {
            refused.push(`${repository}:${reference}`);
            outgoing.writeHead(400, { 'content-type': 'application/json' });
            outgoing.end(
              JSON.stringify({
                errors: [
                  {
                    code: 'TAG_INVALID',
                    message: `The image tag '${reference}' already exists in the '${repository}' repository and cannot be overwritten because the tag is immutable.`,
                  },
                ],
              }),
            );
            return;
          }
          forward(incoming, outgoing, body);
        },
        (error: unknown) => outgoing.destroy(error as Error),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    setMutability: (next) => {
      setting = next;
    },
    refused,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
