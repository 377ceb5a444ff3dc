import { InvalidUrlError } from '../errors.js';
import { redactUrl } from '../redact.js';

/** `decodeURIComponent` of a part of `url` (user, password, path), or an `InvalidUrlError` for a malformed %-escape. */
export function decodeUrlPart(part: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidUrlError(`Invalid URL ${redactUrl(url)}: a %-escape that decodes to no text`);
  }
}
