/**
 * HTTP/2 under src/io/http.ts, for a server that chose it by ALPN on a connection opened ahead
 * (KeepAliveAgents#preconnect with `h2`): every request to that origin is a stream on the one
 * connection, so 20 manifest requests cost one TLS handshake instead of 20, as podman's and skopeo's
 * Go client does with a server that speaks it (Go's net/http offers h2 by ALPN on its own). The answer
 * is an Exchange like HTTP/1.1's: the same idle timeout, deadline, body cap and masked failures.
 */
import type {
  ClientHttp2Session,
  ClientHttp2Stream,
  IncomingHttpHeaders as Http2Headers,
} from 'node:http2';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** What open() in http.ts gives the stream: its failure wording, the deadline and the idle timeout. */
export interface StreamOptions {
  idleTimeoutMs?: number | undefined;
  deadline?: AbortSignal | undefined;
  /** Node's error as the transport's failure (masked; a timeout named). */
  failure(error: unknown, timeout?: 'idle' | 'deadline'): unknown;
}

export interface StreamExchange {
  status: number;
  headers: IncomingHttpHeaders;
  response: IncomingMessage;
  failure(error: unknown): unknown;
  close(): void;
}

/**
 * What a connection opened offering h2 chose, once its handshake is done: an HTTP/2 session over it
 * (its errors are its streams' to report), or null for HTTP/1.1, or when the connection failed.
 */
export function decideByAlpn(
  first: TLSSocket,
  origin: string,
  on: {
    chose(protocol: 'h2' | 'http/1.1', session?: ClientHttp2Session): void;
  },
): Promise<ClientHttp2Session | null> {
  return new Promise((resolve) => {
    const asH1 = () => {
      on.chose('http/1.1');
      resolve(null);
    };
    // Failed or closed before its handshake ended (a stalled one times out): HTTP/1.1, on other connections.
    first.once('error', asH1);
    first.once('close', asH1);
    first.once('secureConnect', () => {
      first.off('error', asH1);
      first.off('close', asH1);
      if (first.alpnProtocol !== 'h2') return asH1();
      import('node:http2').then(({ connect }) => {
        const session = connect(origin, { createConnection: () => first });
        session.on('error', () => undefined);
        on.chose('h2', session);
        resolve(session);
      }, asH1);
    });
  });
}

/** Only the answer's own headers (not `:status`), as Node's HTTP/1.1 client gives them. */
function plainHeaders(headers: Http2Headers): IncomingHttpHeaders {
  const plain: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (!name.startsWith(':')) plain[name] = value;
  return plain;
}

/** One request as a stream on `session`; resolves with the answer's head, its body still to read. */
export function openStream(
  session: ClientHttp2Session,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  options: StreamOptions,
): Promise<StreamExchange> {
  const outgoing: Record<string, string> = {
    ':method': method,
    ':path': `${url.pathname}${url.search}`,
  };
  // HTTP/2 names headers in lower case and has no Host or connection headers of its own.
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!['host', 'connection', 'keep-alive'].includes(lower))
      outgoing[lower] = value;
  }
  let state: 'idle' | 'deadline' | undefined;
  let stream: ClientHttp2Stream | undefined;
  const failure = (error: unknown) => options.failure(error, state);
  const stop = (timeout: 'idle' | 'deadline') => {
    state ??= timeout;
    stream?.destroy(
      Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }),
    );
  };
  const onDeadline = () => stop('deadline');
  options.deadline?.addEventListener('abort', onDeadline, { once: true });
  const unlisten = () =>
    options.deadline?.removeEventListener('abort', onDeadline);
  return new Promise<StreamExchange>((resolve, reject) => {
    try {
      stream = session.request(outgoing, { endStream: body === undefined });
    } catch (error) {
      unlisten();
      reject(failure(error));
      return;
    }
    const s = stream;
    if (options.idleTimeoutMs)
      s.setTimeout(options.idleTimeoutMs, () => stop('idle'));
    s.once('error', (error) => reject(failure(error)));
    s.once('close', () => {
      unlisten();
      // Reset without an error (NO_ERROR, a GOAWAY): no answer is coming.
      reject(
        failure(
          Object.assign(new Error('the stream closed before an answer'), {
            code: 'ECONNRESET',
          }),
        ),
      );
    });
    s.once('response', (head) => {
      s.removeAllListeners('error');
      s.on('error', () => undefined); // seen by whoever reads the body
      resolve({
        status: Number(head[':status'] ?? 0),
        headers: plainHeaders(head),
        response: s as unknown as IncomingMessage,
        failure,
        close() {
          unlisten();
          if (!s.closed) s.close();
        },
      });
    });
    if (options.deadline?.aborted) onDeadline();
    if (body !== undefined) s.end(body);
  });
}
