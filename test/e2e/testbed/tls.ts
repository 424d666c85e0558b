/** A throw-away CA and a server certificate for 127.0.0.1, made with the openssl CLI (EC keys: fast). */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from './proc.js';

export interface TestCa {
  /** PEM of the CA certificate (what goes, base64-encoded, into certificate-authority-data). */
  caPem: string;
  caFile: string;
  certPem: string;
  keyPem: string;
}

export async function makeTestCa(
  dir: string,
  commonName = 'qci-test-ca',
): Promise<TestCa> {
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    RANDFILE: join(dir, '.rnd'),
  };
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  const ec = [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
  ];
  await Promise.all([
    runOk(
      'openssl',
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        caKey,
        '-out',
        caFile,
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      { env },
    ),
    runOk(
      'openssl',
      ['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1'],
      { env },
    ),
    writeFile(
      ext,
      'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' +
        'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
    ),
  ]);
  await runOk(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      '2',
      '-sha256',
      '-extfile',
      ext,
    ],
    { env },
  );
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(caFile, 'utf8'),
    readFile(cert, 'utf8'),
    readFile(key, 'utf8'),
  ]);
  return { caPem, caFile, certPem, keyPem };
}
