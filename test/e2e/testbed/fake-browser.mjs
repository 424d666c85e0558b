/**
 * A browser for tests, run as $BROWSER by qci login --web: it opens the URL it is given and follows
 * redirects the way a browser with a signed-in session does, ending at qci's loopback callback.
 *
 * FAKE_BROWSER_MODE: follow (default) | tamper-state (changes state on the way back) | ignore (opens
 * nothing: the person walked away). FAKE_BROWSER_CA: the CA file to trust. FAKE_BROWSER_LOG: a file that
 * gets one line per page visited ("GET URL STATUS") and then the last page's text.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const [start] = process.argv.slice(2);
const mode = process.env.FAKE_BROWSER_MODE ?? 'follow';
const log = (line) => {
  if (process.env.FAKE_BROWSER_LOG)
    appendFileSync(process.env.FAKE_BROWSER_LOG, `${line}\n`);
};
const ca = process.env.FAKE_BROWSER_CA
  ? readFileSync(process.env.FAKE_BROWSER_CA, 'utf8')
  : undefined;

function get(url) {
  const target = new URL(url);
  const make = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // The session cookie of a browser already signed in to the OAuth server.
    const headers = { Cookie: 'ssn=signed-in' };
    const req = make(
      target,
      { method: 'GET', headers, ...(ca ? { ca } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            location: res.headers.location,
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

if (mode === 'ignore') {
  log(`IGNORED ${start}`);
  process.exit(0);
}
let url = start;
for (let hop = 0; hop < 10; hop++) {
  const page = await get(url);
  log(`GET ${url} ${page.status}`);
  if (page.status >= 300 && page.status < 400 && page.location) {
    const next = new URL(page.location, url);
    if (mode === 'tamper-state' && next.pathname === '/callback')
      next.searchParams.set('state', 'not-the-state-qci-sent');
    url = next.toString();
    continue;
  }
  log(page.body.trim());
  break;
}
