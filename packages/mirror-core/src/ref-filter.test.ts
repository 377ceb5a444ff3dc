import { describe, expect, it } from 'vitest';
import { createRefFilter } from './ref-filter.js';

describe('createRefFilter', () => {
  const names = ['refs/heads/main', 'refs/heads/feature/x', 'refs/tags/v1.0', 'refs/pull/1/head', 'refs/notes/commits'];

  it('keeps every ref by default, like git clone --mirror', () => {
    expect(names.filter(createRefFilter({}))).toEqual(names);
  });

  it('matches * within a segment and ** across segments', () => {
    expect(names.filter(createRefFilter({ include: ['refs/heads/*'] }))).toEqual(['refs/heads/main']);
    expect(names.filter(createRefFilter({ include: ['refs/heads/**', 'refs/tags/v?.?'] }))).toEqual([
      'refs/heads/main',
      'refs/heads/feature/x',
      'refs/tags/v1.0',
    ]);
  });

  it('applies exclude after include and treats other characters literally', () => {
    expect(names.filter(createRefFilter({ exclude: ['refs/pull/**', 'refs/tags/v1.0'] }))).toEqual([
      'refs/heads/main',
      'refs/heads/feature/x',
      'refs/notes/commits',
    ]);
    expect(createRefFilter({ include: ['refs/tags/v1.0'] })('refs/tags/v1x0')).toBe(false);
  });
});
