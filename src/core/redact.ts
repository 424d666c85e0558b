/**
 * Last line of defence for secrets in anything qci prints: OAuth tokens (sha256~…), JWTs and
 * basic-auth blobs are cut to a short, recognisable prefix; a URL's password and a token in its query
 * are cut whole. Callers still avoid printing secrets at all.
 */
const OAUTH_TOKEN = /sha256~[A-Za-z0-9_-]{20,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
/**
 * A URL's authority (`scheme://user:password@host`), for its user information to be cut. Bounded and
 * anchored after a character no scheme holds, so a long line of `a.a.a…` costs one pass, not its square.
 */
const URL_AUTHORITY =
  /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}:\/\/[^\s/?#"'<>]{1,512}/gi;
/**
 * A pasted `user:password@host/…` without a scheme: the host a registry's (a dotted name, localhost, an
 * IPv6 address in brackets, or a name with a port), not `ci:TAG@sha256:…`.
 */
const BARE_PASSWORD =
  /(?<=^|[\s"'(=])([^\s/@:"'(=]{1,256}:)[^\s/"']{1,256}@(?=(?:localhost|\[[0-9a-f:]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)+|[a-z0-9.-]+:\d{1,5})(?:[/:\s"'.,;)]|$))/gi;
/** A token in a URL's query (a signed log URL, an access token, an S3 pre-signed URL). */
const SECRET_QUERY =
  /([?&](?:access_token|id_token|token|code|client_secret|api_key|apikey|key|sig|signature|password|auth|x-goog-signature|x-goog-credential|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#\s"']{1,4096}/gi;

/** An authority with its user information cut: the user kept when a password follows it. */
function cutUserInfo(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = url.indexOf('://') + 3;
  const userInfo = url.slice(scheme, at);
  const colon = userInfo.indexOf(':');
  // A short name alone (git@, user@) is no secret; a long one is a token.
  if (colon < 0 && userInfo.length < 16) return url;
  const user = colon < 0 ? '' : userInfo.slice(0, colon + 1);
  return `${url.slice(0, scheme)}${user}…${url.slice(at)}`;
}

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
    .replace(URL_AUTHORITY, cutUserInfo)
    .replace(BARE_PASSWORD, '$1…@')
    .replace(SECRET_QUERY, '$1…');
}
