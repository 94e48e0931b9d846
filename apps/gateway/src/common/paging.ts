import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { PAGING_LIMITS } from '#contracts';

export const PAGE_MESSAGE = `page must be a whole number from 1 to ${PAGING_LIMITS.maxPage}.`;

/**
 * A `?page=` query parameter: absent is page 1; anything but a whole number in range is a 400. Bounded
 * because the page becomes an OFFSET, and SQLite refuses one past 64 bits (`page=1e20` was a 500).
 */
export class ParsePagePipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    if (value === undefined || value === '') return 1;
    // The global ValidationPipe may already have turned the text into a number (`transform: true`).
    const page = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
    if (typeof page !== 'number' || !Number.isInteger(page) || page < 1 || page > PAGING_LIMITS.maxPage) {
      throw new BadRequestException(PAGE_MESSAGE);
    }
    return page;
  }
}
