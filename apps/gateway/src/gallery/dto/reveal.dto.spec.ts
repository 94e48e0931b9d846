import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { RevealDto } from './reveal.dto.js';

async function parse(body: Record<string, unknown>): Promise<boolean | 'invalid'> {
  const dto = plainToInstance(RevealDto, body);
  return (await validate(dto)).length > 0 ? 'invalid' : dto.revealed;
}

describe('RevealDto', () => {
  it('takes JSON booleans', async () => {
    await expect(parse({ revealed: true })).resolves.toBe(true);
    await expect(parse({ revealed: false })).resolves.toBe(false);
  });

  it('takes the form: the last of hidden "false" and the checkbox "true" wins', async () => {
    await expect(parse({ revealed: 'false' })).resolves.toBe(false);
    await expect(parse({ revealed: ['false', 'true'] })).resolves.toBe(true);
    await expect(parse({ revealed: 'on' })).resolves.toBe(true);
  });

  it('refuses anything else', async () => {
    for (const revealed of [undefined, null, 1, 'yes', 'toString', [true], ['false', 'maybe'], {}]) {
      await expect(parse({ revealed }), JSON.stringify(revealed)).resolves.toBe('invalid');
    }
  });
});
