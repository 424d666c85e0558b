/**
 * One file out of an image's layers, read through the registry API as a stream: `oc adm release info`
 * reads `release-manifests/` from the payload's top layer only (openshift/oc
 * pkg/cli/admin/release/info.go: `LayerFilter: extract.NewPositionLayerFilter(-1)`), so qci does the
 * same: the manifest (an index resolved to the platform's image), then the last layer, gunzipped and
 * scanned by core/tar.ts as it arrives, and the connection closed as soon as the file is read. Memory
 * holds one chunk, one tar header and the file; the other layers are never downloaded. The layer's own
 * digest is not checked when qci stops early (the manifest that names it is checked against its digest).
 * Also here: whether a tag exists, at the cost of one manifest GET (qci release's question to QCI).
 */
import type { Readable } from 'node:stream';
import { QciError } from '../core/errors.js';
import { TarScanner, type TarScanResult } from '../core/tar.js';
import { open, type Exchange } from '../io/http.js';
import { DEFAULT_HTTP_OPTIONS, networkError } from './http.js';
import {
  type InspectOptions,
  type InspectTarget,
  digester,
  readInstance,
  readTop,
  type Session,
  type Descriptor,
} from './inspect.js';

export interface LayerFileOptions extends InspectOptions {
  /** The path wanted, as in the tar (`release-manifests/image-references`). */
  path: string;
  maxBytes: number;
  /** Bytes of the layer read so far, and its size (from the manifest). */
  progress?: (read: number, size: number) => void;
}

export interface LayerFile {
  /** The digest of what the reference points at (an index, or the image). */
  digest: string;
  /** The image read (the platform's, for an index). */
  platformDigest: string;
  layer: string;
  layers: number;
  /** Compressed bytes downloaded of the layer. */
  bytesRead: number;
  /** The file, or null when the layer does not hold it. */
  data: Buffer | null;
}

/**
 * Whether the reference exists, as the digest of what it points at (an index stays an index): one
 * manifest GET through a session that can send requests already (no platform chosen, no config read).
 */
export async function topDigest(
  session: Session,
  target: InspectTarget,
): Promise<string> {
  return (await readTop(session, target, await digester())).digest;
}

/** GET a blob as a stream, following redirects (a CDN) without carrying the credential to another host. */
async function openBlob(
  session: Session,
  digest: string,
  options: LayerFileOptions,
): Promise<Exchange> {
  const { base, headers } = session.endpoint;
  let url = new URL(`${base}/blobs/${digest}`);
  let sent = headers;
  for (let hop = 0; hop <= 5; hop++) {
    options.http.log?.(`GET ${url.origin}${url.pathname} (streamed)`);
    let exchange: Exchange;
    try {
      exchange = await open(
        url,
        { headers: { 'User-Agent': 'qci', ...sent } },
        {
          env: options.http.env,
          tlsVerify: options.http.tlsVerify,
          idleTimeoutMs:
            options.http.timeoutMs ?? DEFAULT_HTTP_OPTIONS.timeoutMs,
        },
      );
    } catch (error) {
      throw networkError(url.host, error, null);
    }
    const location = exchange.headers.location;
    if (exchange.status >= 300 && exchange.status < 400 && location) {
      exchange.close();
      const next = new URL(location, url);
      if (next.origin !== url.origin) sent = {};
      url = next;
      continue;
    }
    if (exchange.status === 200) return exchange;
    exchange.close();
    throw new QciError(
      `${url.host} answered the layer ${digest} with HTTP ${exchange.status}`,
      {
        kind: exchange.status === 404 ? 'not-found' : 'registry-error',
        hint: 'try again; if it persists, qci inspect the image',
      },
    );
  }
  throw new QciError(`too many redirects for the layer ${digest}`, {
    kind: 'too-many-redirects',
  });
}

async function* counted(
  response: Readable,
  onRead: (n: number) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of response as AsyncIterable<Buffer>) {
    onRead(chunk.length);
    yield chunk;
  }
}

/** The layer's bytes, gunzipped when they are gzip (by their magic, whatever the media type says). */
async function* layerBytes(
  exchange: Exchange,
  onRead: (n: number) => void,
): AsyncGenerator<Buffer> {
  const source = counted(exchange.response, onRead);
  let gunzip: import('node:zlib').Gunzip | undefined;
  try {
    const first = await source.next();
    if (first.done) return;
    const head = first.value;
    if (head[0] === 0x28 && head[1] === 0xb5)
      throw new QciError(
        'the layer is zstd-compressed, which qci cannot read',
        {
          kind: 'unsupported-manifest',
          hint: 'oc adm release info reads it',
        },
      );
    const all = async function* () {
      yield head;
      yield* source;
    };
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      yield* all();
      return;
    }
    const [{ createGunzip }, { pipeline }] = await Promise.all([
      import('node:zlib'),
      import('node:stream/promises'),
    ]);
    gunzip = createGunzip();
    pipeline(all(), gunzip).catch(() => {}); // its error reaches the reader below
    yield* gunzip as AsyncIterable<Buffer>;
  } catch (error) {
    if (error instanceof QciError) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_'))
      throw new QciError('the layer is not valid gzip', {
        kind: 'registry-error',
      });
    throw networkError(exchange.url.host, exchange.failure(error), null);
  } finally {
    gunzip?.destroy();
    exchange.close();
  }
}

/**
 * The file `options.path` from the image's top layer, or null when that layer has no such file, read
 * by a session that can send requests already.
 */
export async function readLayerFileWith(
  session: Session,
  target: InspectTarget,
  options: LayerFileOptions,
): Promise<LayerFile> {
  const sha256 = await digester();
  const top = await readTop(session, target, sha256);
  const instance = await readInstance(session, target, options, top, sha256);
  const layers = (
    Array.isArray(instance.json.layers) ? instance.json.layers : []
  ) as Descriptor[];
  const last = layers.at(-1);
  const base = {
    digest: top.digest,
    platformDigest: instance.digest,
    layers: layers.length,
  };
  if (!last?.digest) return { ...base, layer: '', bytesRead: 0, data: null };
  const exchange = await openBlob(session, last.digest, options);
  const scanner = new TarScanner({
    wanted: (p) => p === options.path,
    maxBytes: options.maxBytes,
  });
  let bytesRead = 0;
  let result: TarScanResult = { state: 'more' };
  const deadline =
    Date.now() + (options.http.timeoutMs ?? DEFAULT_HTTP_OPTIONS.timeoutMs);
  const size = typeof last.size === 'number' && last.size > 0 ? last.size : 0;
  for await (const chunk of layerBytes(exchange, (n) => {
    bytesRead += n;
    options.progress?.(bytesRead, size);
    // A layer longer than its manifest says, or one that drips past --timeout, is given up on.
    if (size && bytesRead > size) throw layerTooLong(target, size);
    if (Date.now() > deadline) throw layerTooSlow(target, options);
  })) {
    result = scanner.push(chunk);
    if (result.state !== 'more') break;
  }
  if (result.state === 'error')
    throw new QciError(
      `the top layer of ${target.reference}: ${result.reason}`,
      {
        kind: 'registry-error',
      },
    );
  return {
    ...base,
    layer: last.digest,
    bytesRead,
    data: result.state === 'found' ? result.data : null,
  };
}

function layerTooLong(target: { host: string }, size: number): QciError {
  return new QciError(
    `${target.host} sent more of the top layer than its ${size} bytes; qci stopped reading`,
    { kind: 'registry-error' },
  );
}

function layerTooSlow(
  target: { host: string },
  options: LayerFileOptions,
): QciError {
  const seconds =
    (options.http.timeoutMs ?? DEFAULT_HTTP_OPTIONS.timeoutMs) / 1000;
  return new QciError(
    `gave up after ${seconds} s (--timeout): ${target.host} had not finished sending the top layer`,
    {
      kind: 'timeout',
      hint: 'try again later, or allow more time with --timeout SECONDS',
    },
  );
}
