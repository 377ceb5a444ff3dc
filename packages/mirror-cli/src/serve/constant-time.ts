import { timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets (a token, a signature) are equal, in time that does not depend on where they differ.
 * `timingSafeEqual` needs equal lengths: a length mismatch is a mismatch without comparing.
 */
export function constantTimeEqual(received: string, expected: string): boolean {
  const receivedBytes = Buffer.from(received, 'utf8');
  const expectedBytes = Buffer.from(expected, 'utf8');
  return receivedBytes.length === expectedBytes.length && timingSafeEqual(receivedBytes, expectedBytes);
}
