import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KmsEndpoint {
  readonly url: string;
  /** The X-Amz-Target and KeyId of every request, in order. */
  readonly requests: { readonly target: string; readonly keyId: unknown }[];
  readonly stop: () => Promise<void>;
}

/**
 * A loopback KMS that answers GetPublicKey (AWS JSON 1.1) with one key, so the CLI's real KMSClient can be
 * pointed at it through AWS_ENDPOINT_URL_KMS, as the local stack's stand-in is.
 */
export const startKmsEndpoint = async (key: {
  readonly arn: string;
  readonly spkiDer: Buffer;
}): Promise<KmsEndpoint> => {
  const requests: { target: string; keyId: unknown }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const input = JSON.parse(body || '{}') as { KeyId?: unknown };
      requests.push({ target, keyId: input.KeyId });
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'TrentService.GetPublicKey') {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'UnsupportedOperationException', message: target }));
        return;
      }
      response.end(
        JSON.stringify({
          KeyId: key.arn,
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
          PublicKey: key.spkiDer.toString('base64'),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** A loopback port nothing listens on (taken, then released). */
export const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};
