import { describe, expect, it } from 'vitest';
import { CSS_COLOUR_COUNT, colourForIndex, pickColourIndex } from './colours.js';

describe('colourForIndex', () => {
  it('starts with the 148 CSS colour names', () => {
    expect(CSS_COLOUR_COUNT).toBe(148);
    expect(colourForIndex(0)).toEqual({ index: 0, name: 'aliceblue', hex: '#f0f8ff' });
    expect(colourForIndex(147).name).toBe('yellowgreen');
  });

  it('never runs out: 5,000 generated colours all have distinct names and valid hex', () => {
    const names = new Set<string>();
    for (let i = 0; i < CSS_COLOUR_COUNT + 5000; i++) {
      const colour = colourForIndex(i);
      expect(colour.hex).toMatch(/^#[0-9a-f]{6}$/);
      names.add(colour.name);
    }
    expect(names.size).toBe(CSS_COLOUR_COUNT + 5000);
  });

  it('names a generated colour after a CSS colour plus its number', () => {
    expect(colourForIndex(CSS_COLOUR_COUNT).name).toMatch(/^[a-z]+ 2$/);
  });

  it('rejects a negative index', () => {
    expect(() => colourForIndex(-1)).toThrow(RangeError);
  });
});

describe('pickColourIndex', () => {
  it('picks a free CSS colour while one is left', () => {
    const used = new Set(Array.from({ length: CSS_COLOUR_COUNT }, (_, i) => i).filter((i) => i !== 42));
    expect(pickColourIndex(used, 147)).toBe(42);
  });

  it('spreads choices over the free CSS colours', () => {
    expect(pickColourIndex(new Set(), null, () => 0)).toBe(0);
    expect(pickColourIndex(new Set(), null, () => 0.999)).toBe(147);
  });

  it('continues after the highest index once the CSS names are used up', () => {
    const all = new Set(Array.from({ length: CSS_COLOUR_COUNT }, (_, i) => i));
    expect(pickColourIndex(all, 147)).toBe(148);
    expect(pickColourIndex(all, 300)).toBe(301);
  });
});
