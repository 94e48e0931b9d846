import { CSS_COLOURS } from './css-colours.js';

export interface Colour {
  index: number;
  name: string;
  hex: string;
}

export const CSS_COLOUR_COUNT = CSS_COLOURS.length;
const GOLDEN_ANGLE = 137.508;
const SATURATIONS = [72, 58, 86, 64];
const LIGHTNESSES = [56, 44, 66, 50];

/**
 * The colour at a position of the allocation sequence: the CSS names first, then an unending series of
 * generated colours spread around the hue wheel by the golden angle. A generated colour is named after
 * its nearest CSS colour plus its number, so the name shown beside the swatch is still readable.
 */
export function colourForIndex(index: number): Colour {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`bad colour index ${index}`);
  if (index < CSS_COLOUR_COUNT) {
    const [name, hex] = CSS_COLOURS[index];
    return { index, name, hex };
  }
  const k = index - CSS_COLOUR_COUNT;
  const hue = (k * GOLDEN_ANGLE) % 360;
  const round = Math.floor(k / 7);
  const hex = hslToHex(
    hue,
    SATURATIONS[round % SATURATIONS.length],
    LIGHTNESSES[(k + round) % LIGHTNESSES.length],
  );
  return { index, name: `${nearestCssName(hex)} ${k + 2}`, hex };
}

/**
 * Chooses the next index: a random free CSS colour while any is left (so neighbours at the party get
 * varied colours), otherwise the next generated one after the highest in use.
 */
export function pickColourIndex(
  usedCssIndexes: ReadonlySet<number>,
  highestIndex: number | null,
  random = Math.random,
): number {
  const free: number[] = [];
  for (let i = 0; i < CSS_COLOUR_COUNT; i++) if (!usedCssIndexes.has(i)) free.push(i);
  if (free.length > 0) return free[Math.floor(random() * free.length)];
  return Math.max(CSS_COLOUR_COUNT, (highestIndex ?? -1) + 1);
}

function hslToHex(h: number, s: number, l: number): string {
  const sat = s / 100;
  const light = l / 100;
  const a = sat * Math.min(light, 1 - light);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const value = light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

function nearestCssName(hex: string): string {
  const [r, g, b] = rgb(hex);
  let best = CSS_COLOURS[0][0];
  let bestDistance = Infinity;
  for (const [name, candidate] of CSS_COLOURS) {
    const [cr, cg, cb] = rgb(candidate);
    const distance = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = name;
    }
  }
  return best;
}

function rgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
