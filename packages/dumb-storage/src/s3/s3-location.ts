import { validatePrefix } from '../keys.js';
import { InvalidUrlError } from '../errors.js';
import { redactUrl } from '../redact-url.js';

/** A bucket and the key prefix (empty, or ending in `/`) under which the storage's keys live. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Parses `s3://bucket` or `s3://bucket/some/prefix` (a trailing `/` is implied; the prefix is taken verbatim). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([A-Za-z0-9._-]+)(\/[^?#]*)?$/.exec(url);
  if (!match) throw new InvalidUrlError(`expected s3://bucket/prefix, got ${redactUrl(url)}`);
  const path = (match[2] ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  const prefix = path === '' ? '' : `${path}/`;
  try {
    validatePrefix(prefix);
  } catch (error) {
    throw new InvalidUrlError(`invalid key prefix in ${redactUrl(url)}`, { cause: error });
  }
  return { bucket: match[1], prefix };
}

/** The `CopySource` value naming `key` in `bucket`: URL-encoded segments joined by `/`. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
