import { describe, expect, it } from 'vitest';
import { parseSettingsUpdate } from './update-settings.dto.js';

function errorsOf(input: unknown) {
  const result = parseSettingsUpdate(input);
  if (result.ok) throw new Error(`accepted ${JSON.stringify(input).slice(0, 80)}`);
  return result.errors;
}

function updateOf(input: unknown) {
  const result = parseSettingsUpdate(input);
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join(' '));
  return result.update;
}

describe('parseSettingsUpdate', () => {
  it('reads the form: hidden defaults, ticked sizes plus other sizes, numbers as text', () => {
    const result = updateOf({
      _csrf: 'ignored',
      submissionsOpen: ['off', 'on'],
      allowedSizes: ['', '768', '512'],
      otherSizes: '520, 1024 768',
      maxPendingPerGuest: '3',
      steps: '25',
      cfgScale: '6.5',
      sampler: ' Euler a ',
      negativePrompt: 'blurry,\r\nlow quality',
      model: '',
      revealed: 'on',
    });
    expect(result).toEqual({
      submissionsOpen: true,
      allowedSizes: [512, 520, 768, 1024],
      maxPendingPerGuest: 3,
      steps: 25,
      cfgScale: 6.5,
      sampler: 'Euler a',
      negativePrompt: 'blurry,\nlow quality',
      model: '',
    });
  });

  it('an unticked checkbox leaves only the hidden default: off', () => {
    expect(updateOf({ submissionsOpen: 'off' })).toEqual({ submissionsOpen: false });
  });

  it('reads JSON: real types, and only what is sent', () => {
    expect(updateOf({ submissionsOpen: false, allowedSizes: [1024, 640] })).toEqual({
      submissionsOpen: false,
      allowedSizes: [640, 1024],
    });
    expect(updateOf({})).toEqual({});
  });

  it('names each bad field once, in form order', () => {
    expect(errorsOf({ cfgScale: 'abc', steps: '0', allowedSizes: ['300'] })).toEqual([
      {
        field: 'allowedSizes',
        message: expect.stringMatching(/^Allowed sizes: 300 is not allowed.*multiple of 8/),
      },
      { field: 'steps', message: 'Steps must be a whole number from 1 to 150.' },
      { field: 'cfgScale', message: 'CFG scale must be a number from 1 to 30.' },
    ]);
  });

  it('refuses no size at all, too many, out of range and non-numbers', () => {
    expect(errorsOf({ allowedSizes: [''], otherSizes: '' })).toEqual([
      { field: 'allowedSizes', message: 'Allowed sizes: choose at least one size.' },
    ]);
    expect(errorsOf({ allowedSizes: [] })[0].field).toBe('allowedSizes');
    expect(errorsOf({ allowedSizes: [2056] })[0].message).toContain('2056 is not allowed');
    expect(errorsOf({ allowedSizes: [248] })[0].message).toContain('248 is not allowed');
    expect(errorsOf({ otherSizes: '512px' })).toEqual([
      { field: 'otherSizes', message: 'Other sizes: “512px” is not a whole number of pixels.' },
    ]);
    const many = Array.from({ length: 33 }, (_, i) => 256 + i * 8);
    expect(errorsOf({ allowedSizes: many })[0].message).toBe('Allowed sizes: at most 32 sizes.');
  });

  it('bounds steps, CFG, the pending limit and the texts', () => {
    expect(errorsOf({ steps: 151 })[0].message).toMatch(/^Steps/);
    expect(errorsOf({ steps: 2.5 })[0].message).toMatch(/^Steps/);
    expect(errorsOf({ cfgScale: 0.5 })[0].message).toMatch(/^CFG scale/);
    expect(updateOf({ cfgScale: 30 })).toEqual({ cfgScale: 30 });
    expect(errorsOf({ maxPendingPerGuest: 0 })[0].message).toMatch(/^Pending prompts per guest/);
    expect(errorsOf({ sampler: '  ' })[0].message).toBe('Sampler cannot be empty.');
    expect(errorsOf({ negativePrompt: 'x'.repeat(2001) })[0].message).toBe(
      'Negative prompt can be at most 2000 characters.',
    );
    // A 2000-character negative prompt with CRLF line breaks is still 2000 characters.
    const lines = `${'x'.repeat(999)}\r\n${'y'.repeat(1000)}`;
    expect(updateOf({ negativePrompt: lines }).negativePrompt).toHaveLength(2000);
    expect(errorsOf({ model: 'm'.repeat(501) })[0].message).toMatch(/^Model/);
    expect(errorsOf({ submissionsOpen: 'maybe' })[0].message).toBe('Submissions open must be on or off.');
    expect(errorsOf({ sampler: 42 })[0].message).toBe('Sampler must be text.');
  });

  it('reports a missing size together with other bad fields', () => {
    expect(errorsOf({ allowedSizes: [''], steps: '500' })).toEqual([
      { field: 'allowedSizes', message: 'Allowed sizes: choose at least one size.' },
      { field: 'steps', message: 'Steps must be a whole number from 1 to 150.' },
    ]);
  });

  it('refuses a body that is not an object', () => {
    expect(errorsOf([1, 2])).toEqual([
      { field: null, message: 'Send the settings as a form or a JSON object.' },
    ]);
  });

  it('reads the moderation fields: word lists a line each, Auto-approve, the grace window, Review renders', () => {
    expect(
      updateOf({
        holdWords: ' gore \r\nblood,  Blue   Waffle \n\nGORE',
        denyWords: '',
        autoApprove: 'grace',
        graceSeconds: '45',
        reviewRenders: ['off', 'on'],
      }),
    ).toEqual({
      holdWords: ['gore', 'blood', 'Blue Waffle'],
      denyWords: [],
      autoApprove: 'grace',
      graceSeconds: 45,
      reviewRenders: true,
    });
    expect(updateOf({ denyWords: ['nazi', 'n4zi'], reviewRenders: false })).toEqual({
      denyWords: ['nazi', 'n4zi'],
      reviewRenders: false,
    });
  });

  it('refuses bad moderation fields, each by its label', () => {
    expect(errorsOf({ autoApprove: 'always' })).toEqual([
      { field: 'autoApprove', message: 'Auto-approve must be one of off, members, trusted, grace.' },
    ]);
    expect(errorsOf({ graceSeconds: '0' })[0].message).toBe(
      'Grace window (seconds) must be a whole number from 1 to 3600.',
    );
    expect(errorsOf({ holdWords: 'fine\n!!!' })[0]).toEqual({
      field: 'holdWords',
      message: 'Hold words: “!!!” has no letter or digit to match.',
    });
    expect(errorsOf({ denyWords: 'x'.repeat(61) })[0].message).toMatch(/^Deny words: .* longer than 60/);
    expect(errorsOf({ denyWords: 42 })[0].message).toBe(
      'Deny words must be text, one word or phrase a line.',
    );
    const many = Array.from({ length: 501 }, (_, i) => `word${i}`).join('\n');
    expect(errorsOf({ holdWords: many })[0].message).toBe('Hold words: at most 500 words or phrases.');
  });
});
