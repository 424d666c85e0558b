// Shared by the benchmarks: medians, and synchronous timing of whole commands, interleaved so every
// subject sees the same machine load.
import { spawnSync } from 'node:child_process';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Wall time of one run of `cmd args`; throws unless it exits with `status` (default 0). */
export function timeSync(
  { cmd: [cmd, args], input, status = 0, env: extra },
  env,
) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    env: { ...env, ...extra },
    input: input ?? '',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== status)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Each subject once to warm caches, then `runs` interleaved rounds; prints and returns the medians by name. */
export function interleaveSync(subjects, runs, env) {
  const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (const subject of Object.values(subjects)) timeSync(subject, env);
  for (let i = 0; i < runs; i++)
    for (const [name, subject] of Object.entries(subjects))
      samples[name].push(timeSync(subject, env));
  const medians = {};
  for (const [name, xs] of Object.entries(samples)) {
    medians[name] = median(xs);
    console.log(
      `${name.padEnd(36)} median ${medians[name].toFixed(1).padStart(6)} ms  (min ${Math.min(...xs).toFixed(1)}, ${xs.length} runs)`,
    );
  }
  return medians;
}
