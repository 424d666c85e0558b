/**
 * Entry point of `docker-credential-qci` (bin/docker-credential-qci → bin/dist/credential-helper.cjs), a
 * bundle of its own: podman runs it on every pull of a QCI image, so it loads no commander, chalk, zod or
 * kube client, writes straight to the file descriptors (no stream set-up), and reads the config file and
 * the kubeconfig (with yaml) only when the answer needs them. bench/credential-helper.mjs measures it.
 */
import { readSync } from 'node:fs';
import {
  runCredentialHelper,
  type HelperDeps,
} from '../auth/credential-helper.js';
import { registryUserFor } from '../core/token.js';
import { QCI_PROXY_HOST } from '../core/reference.js';
import {
  requestedContext,
  settingsFrom,
  type ResolvedSettings,
} from '../core/settings.js';
import { currentAppCiToken } from '../kube/current-token.js';
import { readConfigFile } from './config-file.js';
import { writeAllSync } from './raw-output.js';

declare const QCI_VERSION: string;

/** The protocol's input is a server URL or a small JSON object: anything longer is not one. */
const MAX_INPUT = 64 * 1024;

/**
 * Everything on stdin, up to MAX_INPUT (null past it). Synchronous (the input is one short line); a
 * non-blocking stdin falls back to a stream.
 */
async function readStdin(): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  const take = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    return size <= MAX_INPUT;
  };
  const buffer = Buffer.alloc(4096);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        for await (const chunk of process.stdin)
          if (!take(chunk as Buffer)) return null;
        break;
      }
      if (code === 'EOF' || code === 'EBADF' || code === 'ENXIO') break;
      throw error;
    }
    if (n === 0) break;
    if (!take(Buffer.from(buffer.subarray(0, n)))) return null;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The helper's answers, from qci's settings (environment > config file > default) resolved as qci does. */
function helperDeps(env: Record<string, string | undefined>): HelperDeps {
  // Read at most once, and only when an answer needs them: the default host needs no file read.
  let resolved: Promise<ResolvedSettings> | undefined;
  const settings = () =>
    (resolved ??= readConfigFile(env).then((file) =>
      settingsFrom({ env, ...(file ? { file } : {}) }),
    ));
  const qciHosts = async () => [
    ...new Set(
      [(await settings()).settings.registry, QCI_PROXY_HOST].map((h) =>
        h.toLowerCase(),
      ),
    ),
  ];
  return {
    version: QCI_VERSION,
    async isQciHost(host) {
      return host === QCI_PROXY_HOST || (await qciHosts()).includes(host);
    },
    qciHosts,
    async credential() {
      // QCI_TOKEN_FILE stands in for the kube context: no settings needed.
      const context = env.QCI_TOKEN_FILE
        ? undefined
        : requestedContext(await settings());
      const current = await currentAppCiToken(env, context);
      return {
        username: registryUserFor(current.owner),
        secret: current.token,
      };
    },
  };
}

async function main(): Promise<void> {
  const action = process.argv[2];
  const needsInput =
    action === 'get' || action === 'store' || action === 'erase';
  const input = needsInput ? await readStdin() : '';
  if (input === null) {
    // The protocol's way to fail: the message on stdout, exit 1.
    writeAllSync(
      1,
      `docker-credential-qci: the input is over ${MAX_INPUT / 1024} KiB; the protocol sends a server URL or a small JSON object\n`,
    );
    process.exitCode = 1;
    return;
  }
  const result = await runCredentialHelper(
    action,
    input,
    helperDeps(process.env),
  );
  if (result.stdout) writeAllSync(1, result.stdout);
  if (result.stderr) writeAllSync(2, result.stderr);
  process.exitCode = result.exitCode;
}

void main();
