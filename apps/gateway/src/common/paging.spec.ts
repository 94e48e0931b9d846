import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { PAGING_LIMITS } from '#contracts';
import { ParsePagePipe } from './paging.js';

describe('ParsePagePipe', () => {
  const pipe = new ParsePagePipe();

  it('reads a page number, as text or as the number the validation pipe made of it; absent is 1', () => {
    expect(pipe.transform(undefined)).toBe(1);
    expect(pipe.transform('')).toBe(1);
    expect(pipe.transform('3')).toBe(3);
    expect(pipe.transform(3)).toBe(3);
    expect(pipe.transform(String(PAGING_LIMITS.maxPage))).toBe(PAGING_LIMITS.maxPage);
  });

  it.each(['0', '-1', '1e20', '1.5', 'abc', '100000000000000000000', 1e20, Number.NaN, 2.5, 0])(
    'refuses %s with a 400',
    (value) => {
      expect(() => pipe.transform(value)).toThrow(BadRequestException);
    },
  );

  it('refuses one page past the bound', () => {
    expect(() => pipe.transform(String(PAGING_LIMITS.maxPage + 1))).toThrow(BadRequestException);
  });
});
