/** How a secret may show in output: a short prefix at most, nothing of a short one. */
import { describe, expect, it } from 'vitest';
import { maskToken } from '../../src/core/redact.js';

describe('maskToken', () => {
  it.each([
    [`sha256~${'b'.repeat(43)}`, 'sha256~bbbb…'],
    ['hunter2', '…'],
    ['a-much-longer-password-123', 'a-mu…'],
  ])('masks %s as %s', (secret, masked) => {
    expect(maskToken(secret)).toBe(masked);
  });
});
