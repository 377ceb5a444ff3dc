const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A storage URL without what must never be shown: user, password, query and fragment.
 *
 * The user info is found on the raw string first: a password with an unencoded `#`, `/`, `?` or `@` makes the URL
 * unparseable or parse with part of the password as a port or path, so everything between `scheme://` and the last
 * `@` goes when a `:` comes before it. This hides a little too much in the rare URL with `:` and `@` in its path, and
 * never too little.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[0];
  let redacted = url;
  if (scheme !== undefined) {
    const rest = url.slice(scheme.length);
    const at = rest.lastIndexOf('@');
    const colon = rest.indexOf(':');
    if (at >= 0 && colon >= 0 && colon < at) redacted = scheme + rest.slice(at + 1);
  }
  try {
    const parsed = new URL(redacted);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return redacted.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}
