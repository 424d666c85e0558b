// Shared by the benchmarks that need the end-to-end test bed (TypeScript in test/e2e/testbed): bundles it
// with esbuild into node_modules/.cache (so packages resolve) and times commands against it.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const qciBin = join(root, 'bin', 'qci');

export async function startBed(options = {}) {
  const out = join(root, 'node_modules', '.cache', 'qci-bench');
  await build({
    entryPoints: [join(root, 'test/e2e/testbed/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(out, 'testbed.mjs'),
    packages: 'external',
    logLevel: 'error',
    absWorkingDir: root,
  });
  const { startTestBed } = await import(
    pathToFileURL(join(out, 'testbed.mjs')).href
  );
  const bed = await startTestBed(options);
  const stop = bed.stop.bind(bed);
  bed.stop = async () => {
    await stop();
    rmSync(out, { recursive: true, force: true });
  };
  return bed;
}

/** qci's environment on the bed: its podman, a kubeconfig logged in to its app.ci, its QCI proxy. */
export async function qciEnv(bed) {
  return {
    ...bed.podman.env,
    KUBECONFIG: await bed.appci.kubeconfig({ token: bed.token }),
    QCI_REGISTRY: bed.proxy.host,
    QCI_TLS_VERIFY: 'false',
  };
}

/** Wall time of one run, asynchronous: the bed's servers answer from this very process. */
export function time(cmd, args, env, input) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input ?? '');
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0)
        reject(
          new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr}`),
        );
      else resolve(ms);
    });
  });
}

export { median } from './stats.mjs';
import { median } from './stats.mjs';

/** Runs each subject `runs` times, interleaved, after one warm-up each; returns samples by name. */
export async function interleave(subjects, runs) {
  const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (const run of Object.values(subjects)) await run();
  for (let i = 0; i < runs; i++)
    for (const [name, run] of Object.entries(subjects))
      samples[name].push(await run());
  for (const [name, xs] of Object.entries(samples)) {
    console.log(
      `${name.padEnd(34)} median ${median(xs).toFixed(1).padStart(7)} ms  (min ${Math.min(...xs).toFixed(1)}, ${xs.length} runs)`,
    );
  }
  return samples;
}
