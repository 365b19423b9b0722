import { createHash } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CALLER_HEADER, CallCounter, type CallCounts } from './counting';
import { ECR_QUIRKS, ecrRefusal, ecrUnsupported, type EcrQuirks, type EcrRefusalReason } from './ecr-quirks';
import {
  drawFault,
  faultAnswer,
  noFaults,
  ociError,
  type CannedAnswer,
  type ProxyDialect,
  type ProxyFaultKind,
  type ProxyFaults,
} from './faults';
import { isImmutable, tagInvalid, type TagMutabilitySetting } from './immutable-tags';
import {
  digestInvalid,
  isDigestReference,
  listingDescriptor,
  readPushedManifest,
  referrersAnswer,
  ReferrersIndex,
  tagSchemaReferrers,
  type PushedManifest,
} from './referrers';

/** A request as `tamper` and `decide` see it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly body: Buffer;
}

export interface ReferrersApiOptions {
  /**
   * Where the index of referrers is journaled, so it survives a restart (with the registry's storage).
   * @default kept in memory only
   */
  readonly journalFile?: string;
  /** For the front's own reads of the registry (the tag-schema import). @default anonymous */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** @default ECR_QUIRKS: every refusal ECR makes */
  readonly quirks?: Partial<EcrQuirks>;
}

export interface RegistryFrontOptions {
  /** `http://host:port` requests go to. Until it is set (here or by `setTarget`), every request is answered 502. */
  readonly target?: string;
  /** How injected throttles and 5xx look. @default 'registry' */
  readonly dialect?: ProxyDialect;
  /** @default no faults */
  readonly faults?: ProxyFaults;
  /** @default Math.random */
  readonly random?: () => number;
  /** Picks the fault for this request deterministically (a crash at one chosen step); else the draw decides. */
  readonly decide?: (request: ProxiedRequest) => ProxyFaultKind | undefined;
  /**
   * Rewrites the body of a 200 answer to a GET before it is passed on, headers unchanged: a registry that lies.
   * Return `undefined` to pass the request through untouched.
   */
  readonly tamper?: (request: ProxiedRequest) => ((body: Buffer) => Buffer) | undefined;
  /** ECR's tag immutability, enforced on manifest PUTs by tag. @default none (Distribution's: every tag mutable) */
  readonly immutableTags?: TagMutabilitySetting;
  /**
   * Serve what ECR serves and Distribution 2.8 does not: the OCI 1.1 referrers API and `OCI-Subject`, with
   * ECR's refusals. @default off: the registry behind as it is
   */
  readonly referrers?: ReferrersApiOptions;
  /** One line per answered request: caller, `METHOD route-kind`, status, time, path. */
  readonly trace?: (line: string) => void;
  /** Each thing the front accounts for, as it happens (see FrontEvent). */
  readonly observe?: (event: FrontEvent) => void;
  /** @default a free one */
  readonly port?: number;
}

/** A manifest the front refused itself, and why. */
export interface Refusal {
  readonly reason: 'tag-immutable' | EcrRefusalReason;
  readonly repository: string;
  readonly reference: string;
}

export interface FrontCounts {
  readonly requests: number;
  readonly faults: Readonly<Record<ProxyFaultKind, number>>;
  readonly tampered: number;
  /** Referrers listings the front answered itself. */
  readonly referrersListed: number;
}

export interface RegistryFront {
  /** `http://127.0.0.1:<port>`: what clients are pointed at. */
  readonly url: string;
  /** `127.0.0.1:<port>`, the host part of image references. */
  readonly host: string;
  /** Whether it serves the referrers API (`referrers` was given). */
  readonly servesReferrers: boolean;
  setTarget(url: string): void;
  setFaults(faults: ProxyFaults): void;
  /** Changes the tag rule for the next requests, as PutImageTagMutability would. */
  setMutability(setting: TagMutabilitySetting): void;
  counts(): FrontCounts;
  /** Requests by `METHOD route-kind` since the last reset: unmarked (the pipeline's) and marked (CALLER_HEADER). */
  calls(): { readonly pipeline: CallCounts; readonly harness: CallCounts };
  resetCalls(): void;
  /** Every manifest the front refused itself, oldest first. */
  refused(): readonly Refusal[];
  stop(): Promise<void>;
}

/** What the front accounts for, as it happens: how a front in a worker thread reports to its owner. */
export type FrontEvent =
  | { readonly kind: 'request'; readonly method: string; readonly pathname: string; readonly marked: boolean }
  | { readonly kind: 'fault'; readonly fault: ProxyFaultKind }
  | { readonly kind: 'tampered' }
  | { readonly kind: 'listed' }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

/** The counts of a front, kept from its events. */
export class FrontState {
  readonly #counter = new CallCounter();
  readonly #faults = noFaults();
  readonly #refusals: Refusal[] = [];
  #requests = 0;
  #tampered = 0;
  #listed = 0;

  /** @returns the `METHOD route-kind` key of a request */
  public apply(event: FrontEvent): string | undefined {
    switch (event.kind) {
      case 'request':
        this.#requests += 1;
        return this.#counter.count(event.method, event.pathname, event.marked);
      case 'fault':
        this.#faults[event.fault] += 1;
        return undefined;
      case 'tampered':
        this.#tampered += 1;
        return undefined;
      case 'listed':
        this.#listed += 1;
        return undefined;
      case 'refused':
        this.#refusals.push(event.refusal);
        return undefined;
    }
  }

  public counts(): FrontCounts {
    return {
      requests: this.#requests,
      faults: { ...this.#faults },
      tampered: this.#tampered,
      referrersListed: this.#listed,
    };
  }

  public calls(): { readonly pipeline: CallCounts; readonly harness: CallCounts } {
    return this.#counter.calls();
  }

  public resetCalls(): void {
    this.#counter.reset();
  }

  public refused(): readonly Refusal[] {
    return [...this.#refusals];
  }
}

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);
const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const REFERRERS_PATH = /^\/v2\/(.+)\/referrers\/([^/]+)$/;

/**
 * The one loopback HTTP proxy of the local stack, the tests and the bench. Each option adds one behaviour in front
 * of the service behind (a real Distribution registry, or dynalite):
 * - always: counts requests by `METHOD route-kind`, the pipeline's apart from callers marked with CALLER_HEADER;
 * - `faults` / `decide`: throttling, 5xx, a reset before or after the request was served, latency, with the answer
 *   bodies real clients parse (the AWS SDK for DynamoDB, the OCI client for the registry);
 * - `tamper`: a registry that lies about content;
 * - `immutableTags`: ECR's refusal of a PUT over an existing immutable tag;
 * - `referrers`: the OCI 1.1 referrers API and the `OCI-Subject` header, learnt from the manifests PUT through
 *   it, and ECR's refusals (ecr-quirks.ts). Storage stays the registry behind.
 * Fronts chain: a fault front before the ECR front sees the same requests the functions send.
 */
export const startRegistryFront = async (options: RegistryFrontOptions = {}): Promise<RegistryFront> => {
  const dialect = options.dialect ?? 'registry';
  const random = options.random ?? Math.random;
  let faults: ProxyFaults = options.faults ?? {};
  let mutability = options.immutableTags;
  let target = options.target === undefined ? undefined : new URL(options.target);
  const state = new FrontState();
  const note = (event: FrontEvent): string | undefined => {
    const key = state.apply(event);
    options.observe?.(event);
    return key;
  };
  const referrers = options.referrers;
  const quirks: EcrQuirks = { ...ECR_QUIRKS, ...referrers?.quirks };
  const index = referrers === undefined ? undefined : new ReferrersIndex(referrers.journalFile);
  /** `repository@subject` whose tag-schema index was read into `index` in this process. */
  const imported = new Map<string, Promise<void>>();
  /** Authorization values the registry behind accepted (`''`: none needed). */
  const accepted = new Set<string>();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  const ownAuthorization =
    referrers?.credentials === undefined
      ? undefined
      : `Basic ${Buffer.from(`${referrers.credentials.username}:${referrers.credentials.password}`).toString('base64')}`;

  const send = (
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body?: Buffer,
  ): Promise<Upstream> => {
    if (target === undefined) return Promise.reject(new Error('no target yet'));
    return forward(target, agent, method, path, headers, body ?? Buffer.alloc(0));
  };

  /** The registry's own answer when it refuses these credentials (401), so the client learns its challenge. */
  const unauthorized = async (headers: IncomingHttpHeaders): Promise<Upstream | undefined> => {
    const authorization = headers.authorization ?? '';
    if (accepted.has(authorization)) return undefined;
    const answer = await send('GET', '/v2/', authorization === '' ? {} : { authorization });
    if (answer.status !== 200) return answer;
    if (accepted.size > 64) accepted.clear();
    accepted.add(authorization);
    return undefined;
  };

  const importTagSchema = (repository: string, subject: string): Promise<void> => {
    const key = `${repository}@${subject}`;
    let pending = imported.get(key);
    if (pending === undefined) {
      pending = tagSchemaReferrers(
        async (path, accept) =>
          send('GET', path, {
            accept,
            ...(ownAuthorization === undefined ? {} : { authorization: ownAuthorization }),
          }),
        repository,
        subject,
      ).then((found) => {
        for (const descriptor of found) index!.add(repository, subject, descriptor, false);
      });
      pending.catch(() => imported.delete(key));
      imported.set(key, pending);
    }
    return pending;
  };

  /** What the front answers itself, before (or instead of) the registry behind. */
  const answerLocally = async (
    seen: ProxiedRequest,
    pathname: string,
    query: URLSearchParams,
  ): Promise<LocalOutcome> => {
    const manifestPath = MANIFEST_PATH.exec(pathname);
    if (seen.method === 'PUT' && manifestPath !== null) {
      const [, repository = '', reference = ''] = manifestPath;
      const pushed =
        index === undefined
          ? undefined
          : readPushedManifest(seen.body, contentTypeOf(seen.headers['content-type']));
      const reason = pushed === undefined ? undefined : ecrRefusal(pushed, quirks);
      if (reason !== undefined) {
        const denied = await unauthorized(seen.headers);
        if (denied !== undefined) return { upstream: denied };
        note({ kind: 'refused', refusal: { reason, repository, reference } });
        return { answer: ecrUnsupported() };
      }
      if (mutability !== undefined && !isDigestReference(reference) && isImmutable(mutability, reference)) {
        // Refused only over a tag that exists already (ECR refuses it even for the same digest).
        const existing = await send('HEAD', pathname, {
          accept: seen.headers['content-type'] ?? '*/*',
          authorization: seen.headers.authorization ?? '',
        });
        if (existing.status === 200) {
          note({ kind: 'refused', refusal: { reason: 'tag-immutable', repository, reference } });
          return { answer: tagInvalid(repository, reference) };
        }
      }
      return { pushed: pushed === undefined ? undefined : { repository, manifest: pushed } };
    }
    const referrersPath = index === undefined ? null : REFERRERS_PATH.exec(pathname);
    if (seen.method === 'GET' && referrersPath !== null) {
      const [, repository = '', subject = ''] = referrersPath;
      const denied = await unauthorized(seen.headers);
      if (denied !== undefined) return { upstream: denied };
      if (!isDigestReference(subject)) return { answer: digestInvalid(subject) };
      try {
        await importTagSchema(repository, subject);
      } catch (error) {
        return {
          answer: ociError(
            503,
            'UNAVAILABLE',
            `reading the referrers tag schema: ${(error as Error).message}`,
          ),
        };
      }
      note({ kind: 'listed' });
      return {
        answer: referrersAnswer(index!.list(repository, subject), query.get('artifactType') ?? undefined),
      };
    }
    return {};
  };

  /** What the front learns from the registry's answer, and the `OCI-Subject` it adds to it. */
  const learn = (
    seen: ProxiedRequest,
    pathname: string,
    upstream: Upstream,
    pushed?: PushedRequest,
  ): Upstream => {
    if (index === undefined) return upstream;
    if (pushed !== undefined && upstream.status === 201 && pushed.manifest.subject !== undefined) {
      const stored = upstream.headers['docker-content-digest'];
      const digest =
        typeof stored === 'string'
          ? stored
          : `sha256:${createHash('sha256').update(seen.body).digest('hex')}`;
      index.add(
        pushed.repository,
        pushed.manifest.subject.digest,
        listingDescriptor(pushed.manifest, digest, seen.body.length),
      );
      return { ...upstream, headers: { ...upstream.headers, 'oci-subject': pushed.manifest.subject.digest } };
    }
    const deleted = seen.method === 'DELETE' ? MANIFEST_PATH.exec(pathname) : null;
    if (
      deleted !== null &&
      (upstream.status === 202 || upstream.status === 200) &&
      isDigestReference(deleted[2]!)
    ) {
      index.remove(deleted[1]!, deleted[2]!);
    }
    return upstream;
  };

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer): Promise<void> => {
    const { [CALLER_HEADER]: caller, ...headers } = incoming.headers;
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    const url = new URL(path, 'http://front');
    const key = note({ kind: 'request', method, pathname: url.pathname, marked: caller !== undefined })!;
    if (options.trace !== undefined) {
      const started = performance.now();
      outgoing.once('finish', () =>
        options.trace!(
          `${caller === undefined ? 'pipeline' : 'harness '} ${key} ${outgoing.statusCode} ${(performance.now() - started).toFixed(1)} ms ${path}`,
        ),
      );
    }
    const seen: ProxiedRequest = { method, path, headers, body };
    const fault = options.decide?.(seen) ?? drawFault(faults, random);
    if (fault !== undefined) note({ kind: 'fault', fault });
    if (fault === 'latency') await new Promise((resolve) => setTimeout(resolve, faults.latencyMs ?? 200));
    if (fault === 'reset') {
      incoming.socket.destroy();
      return;
    }
    if (fault === 'throttle' || fault === 'server') {
      write(outgoing, faultAnswer(dialect, fault));
      return;
    }
    if (target === undefined) {
      outgoing.writeHead(502).end('no target yet');
      return;
    }
    let upstream: Upstream | undefined;
    let pushed: PushedRequest | undefined;
    try {
      const local: LocalOutcome =
        dialect === 'registry' ? await answerLocally(seen, url.pathname, url.searchParams) : {};
      if (local.answer !== undefined) {
        if (fault === 'reset-after') incoming.socket.destroy();
        else write(outgoing, local.answer);
        return;
      }
      pushed = local.pushed;
      upstream = local.upstream ?? (await send(method, path, headers, body));
    } catch {
      upstream = undefined;
    }
    if (upstream === undefined || fault === 'reset-after') {
      incoming.socket.destroy();
      return;
    }
    upstream = learn(seen, url.pathname, upstream, pushed);
    const rewrite = options.tamper?.(seen);
    if (rewrite !== undefined && upstream.status === 200 && method === 'GET') {
      const changed = rewrite(upstream.body);
      note({ kind: 'tampered' });
      upstream = {
        ...upstream,
        body: changed,
        headers: { ...upstream.headers, 'content-length': String(changed.length) },
      };
    }
    outgoing.writeHead(upstream.status, upstream.headers).end(method === 'HEAD' ? undefined : upstream.body);
  };

  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      void handle(incoming, outgoing, Buffer.concat(chunks)).catch(() => incoming.socket.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    servesReferrers: index !== undefined,
    setTarget: (next) => {
      target = new URL(next);
    },
    setFaults: (next) => {
      faults = next;
    },
    setMutability: (setting) => {
      mutability = setting;
    },
    counts: () => state.counts(),
    calls: () => state.calls(),
    resetCalls: () => state.resetCalls(),
    refused: () => state.refused(),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
};

interface PushedRequest {
  readonly repository: string;
  readonly manifest: PushedManifest;
}

/** The front's own answer, the registry's when it refused the credentials, or what to learn from a PUT. */
interface LocalOutcome {
  readonly answer?: CannedAnswer;
  readonly upstream?: Upstream;
  readonly pushed?: PushedRequest | undefined;
}

const contentTypeOf = (header: string | string[] | undefined): string | undefined =>
  (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim() || undefined;

const write = (outgoing: ServerResponse, answer: CannedAnswer): void => {
  outgoing
    .writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) })
    .end(answer.body);
};

/**
 * One request to the service behind, answered whole. The Host header is kept as the client sent it:
 * Distribution builds upload Locations from it, so the PATCH and PUT that follow a POST come back to the front.
 */
const forward = (
  target: URL,
  agent: Agent,
  method: string,
  path: string,
  incoming: IncomingHttpHeaders,
  body: Buffer,
): Promise<Upstream> =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(incoming)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    if (body.length > 0 || method === 'PUT' || method === 'POST' || method === 'PATCH') {
      headers['content-length'] = String(body.length);
    }
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const passed: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) passed[name] = value;
          }
          const answer = Buffer.concat(chunks);
          // A HEAD keeps the length the registry declared (the size of the manifest it describes).
          const length = method === 'HEAD' ? response.headers['content-length'] : String(answer.length);
          if (length !== undefined) passed['content-length'] = length;
          resolve({ status: response.statusCode ?? 502, headers: passed, body: answer });
        });
        response.on('error', reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
