const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Returns `url` with any password replaced by `***` (the user name stays, it helps reading logs); text without a
 * `scheme://` or without a `user:password@` part is returned unchanged.
 *
 * The password is found on the raw string, not only by URL parsing: a password with an unencoded `#`, `/`, `?` or `@`
 * makes the URL unparseable or, worse, parse with part of the password as a port, path or fragment. So everything
 * between `scheme://` and the last `@` is taken as the user info (user name up to the first `:`). This hides a little
 * too much in the rare URL with an `@` in its path, and never too little.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[0];
  if (scheme === undefined) return url;
  const rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return url;
  if (rest.indexOf('@') === at) {
    // A single `@`: when the parser finds a password it holds all of it (no `/`, `?` or `#` came before the `@`).
    const parsed = parseUrl(url);
    if (parsed?.password) {
      parsed.password = '***';
      return parsed.href;
    }
  }
  return `${scheme}${rest.slice(0, colon)}:***@${rest.slice(at + 1)}`;
}

/** Whether `url` carries a password, by the rules of {@link redactUrl}. */
export function hasUrlPassword(url: string): boolean {
  return redactUrl(url) !== url;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Replaces every occurrence of each secret in `text` with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join('***');
  }
  return result;
}
