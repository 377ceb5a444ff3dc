/** Prefix of the environment variable of every option: `--max-memory` is `MIRROR_GIT_TO_S3_MAX_MEMORY`. */
export const ENV_PREFIX = 'MIRROR_GIT_TO_S3_';

/** The environment variable of a setting given in camel case, e.g. `s3EndpointUrl` → `MIRROR_GIT_TO_S3_S3_ENDPOINT_URL`. */
export function envName(name: string): string {
  return ENV_PREFIX + kebabCase(name).replace(/-/g, '_').toUpperCase();
}

/** `maxMemory` → `max-memory`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (char) => `-${char.toLowerCase()}`);
}
