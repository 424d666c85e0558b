/**
 * Last line of defence for secrets in anything qci prints: OAuth tokens (sha256~…), JWTs and
 * basic-auth blobs are cut to a short, recognisable prefix; a URL's password and a token in its query
 * are cut whole. Callers still avoid printing secrets at all.
 */
const OAUTH_TOKEN = /sha256~[A-Za-z0-9_-]{20,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
/** A password in a URL's user information: `scheme://user:PASSWORD@host`, or `user:PASSWORD@host/…` pasted. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:)[^\s/@]+@/gi;
/** A token as a URL's whole user information: `https://ghp_…@github.com`. */
const URL_TOKEN = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]{16,}@/gi;
const BARE_PASSWORD =
  /((?:^|[\s"'(=])[^\s/@:"'(=]+:)[^\s/@"']+@(?=[a-z0-9-]+(?:\.[a-z0-9-]+)+[/:\s"']|[a-z0-9.-]+:\d{1,5}(?:[/\s"']|$))/gi;
/** A token in a URL's query (a signed log URL, an access token). */
const SECRET_QUERY =
  /([?&](?:access_token|token|sig|signature|x-goog-signature|x-amz-signature|x-goog-credential|password|auth)=)[^&#\s"']+/gi;

/** `sha256~abcd…`: enough to tell two tokens apart, not enough to use one. */
export function maskToken(token: string): string {
  if (token.startsWith('sha256~') && token.length >= 30)
    return `${token.slice(0, 11)}…`;
  // A short password would be mostly shown by any prefix.
  return token.length >= 16 ? `${token.slice(0, 4)}…` : '…';
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(maskToken(secret));
  }
  return out
    .replace(OAUTH_TOKEN, (t) => maskToken(t))
    .replace(JWT, (t) => `${t.slice(0, 6)}…`)
    .replace(URL_PASSWORD, '$1…@')
    .replace(URL_TOKEN, '$1…@')
    .replace(BARE_PASSWORD, '$1…@')
    .replace(SECRET_QUERY, '$1…');
}
