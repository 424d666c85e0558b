/**
 * A stand-in for a docker-credential-helpers store (Docker Desktop's `desktop`, `osxkeychain`, `pass`,
 * `secretservice`): `docker-credential-NAME get|store|erase|list` speaking the real protocol (host or JSON
 * on stdin; not found = "credentials not found in native keychain", exit 1), keeping its secrets in a JSON
 * file instead of a keychain. Every call is logged as "VERB HOST" (never a secret) so tests see who asked.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredCredential {
  Username: string;
  Secret: string;
}

export interface FakeCredentialStore {
  /** The helper's name: `credsStore` / `credHelpers` value. */
  name: string;
  /** docker-credential-NAME (in `bin`). */
  path: string;
  /** What the store holds, by server URL. */
  read(): Record<string, StoredCredential>;
  write(entries: Record<string, StoredCredential>): void;
  /** "get HOST", "store HOST", "erase HOST", "list" in call order. */
  calls(): string[];
}

const SCRIPT = `
const fs = require('node:fs');
const [storeFile, callsFile] = JSON.parse(process.argv[2]);
const verb = process.argv[3];
const input = fs.readFileSync(0, 'utf8');
const store = fs.existsSync(storeFile) ? JSON.parse(fs.readFileSync(storeFile, 'utf8')) : {};
const save = () => fs.writeFileSync(storeFile, JSON.stringify(store), { mode: 0o600 });
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (verb === 'store') {
  const c = JSON.parse(input);
  fs.appendFileSync(callsFile, 'store ' + c.ServerURL + '\\n');
  store[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
  save();
} else if (verb === 'get' || verb === 'erase') {
  const host = input.trim();
  fs.appendFileSync(callsFile, verb + ' ' + host + '\\n');
  if (!store[host]) notFound();
  if (verb === 'get')
    process.stdout.write(JSON.stringify({ ServerURL: host, ...store[host] }));
  else { delete store[host]; save(); }
} else if (verb === 'list') {
  fs.appendFileSync(callsFile, 'list\\n');
  process.stdout.write(JSON.stringify(Object.fromEntries(
    Object.entries(store).map(([k, v]) => [k, v.Username]))));
} else { process.stderr.write('unknown verb ' + verb + '\\n'); process.exit(2); }
`;

/** Writes `bin/docker-credential-NAME` (node, this process's binary) keeping its store under `dir`. */
export function fakeCredentialStore(
  bin: string,
  dir: string,
  name: string,
): FakeCredentialStore {
  const storeFile = join(dir, `${name}-store.json`);
  const callsFile = join(dir, `${name}-calls.log`);
  const script = join(dir, `${name}-helper.cjs`);
  writeFileSync(script, SCRIPT);
  const path = join(bin, `docker-credential-${name}`);
  const args = JSON.stringify(JSON.stringify([storeFile, callsFile]));
  writeFileSync(
    path,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(script)} ${args.replace(/\$/g, '\\$')} "$@"\n`,
  );
  chmodSync(path, 0o755);
  writeFileSync(callsFile, '');
  return {
    name,
    path,
    read: () =>
      existsSync(storeFile)
        ? (JSON.parse(readFileSync(storeFile, 'utf8')) as Record<
            string,
            StoredCredential
          >)
        : {},
    write: (entries) =>
      writeFileSync(storeFile, JSON.stringify(entries), { mode: 0o600 }),
    calls: () => readFileSync(callsFile, 'utf8').split('\n').filter(Boolean),
  };
}
