import { hasUrlPassword } from '@gitmirror/mirror-core';
import { UsageError } from './errors.js';
import { envName } from './env-names.js';

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|password|api-?key|auth/i;

/**
 * Refuses credentials given as plain command-line arguments, where other users can read them (`ps`, shell history,
 * CI logs): URLs with a password and `--header` values of credential headers. The message never repeats the secret.
 * @throws UsageError pointing at the environment variable, `.netrc` or config file that can carry it instead.
 */
export function rejectSecretsOnCommandLine(args: readonly string[]): void {
  args.forEach((arg, index) => {
    // Any `Name: value` argument may be a --header value (array options take several values after one flag).
    const header = /^([!#$%&'*+.^_`|~0-9a-z-]+)\s*:(?!\/\/)/i.exec(arg.replace(/^--header=/, ''));
    if (header) {
      const name = header[1];
      if (SECRET_HEADER.test(name)) {
        throw new UsageError(
          `--header ${name}: credential headers are not accepted on the command line, where other users can read them; set ${envName('header')}='${name}: …' or put it under headers in the --config file`,
        );
      }
    }
    // mirror-core's rule, which also catches a password that keeps the URL from parsing (an unencoded `#`, `/`, `?`).
    if (hasUrlPassword(arg.replace(/^--[a-z0-9-]+=/, ''))) {
      throw new UsageError(
        `argument ${index + 1} is a URL with a password, which other users can read on the command line; put the credentials in ~/.netrc (or --netrc FILE), or give the URL in ${envName('source')} or a --config file`,
      );
    }
  });
}

