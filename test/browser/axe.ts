import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect } from 'vitest';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (WCAG 2.2 A/AA rules and best practices) on the page as it is now and fails on any serious or
 * critical violation, naming the rule and the elements. Injected through the DevTools protocol, which the
 * pages' nonce CSP does not govern. Our own pages only: Swagger UI at /api/docs is third-party.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(`
    axe
      .run(document, {
        runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} },
        resultTypes: ['violations'],
      })
      .then((results) =>
        results.violations.map(({ id, impact, help, nodes }) => ({
          id,
          impact,
          help,
          nodes: nodes.map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
        })),
      )
  `);
  const serious = violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  const report = serious
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}\n` +
        violation.nodes
          .map((node) => `  ${JSON.stringify(node.target)}: ${node.failureSummary ?? ''}`)
          .join('\n'),
    )
    .join('\n');
  expect(report, `axe on ${what} (${page.url()})`).toBe('');
  // axe rates a missing h1 only "moderate"; we want one on every page.
  expect(await page.locator('h1').count(), `an h1 on ${what}`).toBeGreaterThan(0);
}

/**
 * A colour swatch stays visible whatever its colour: painted navy or black, its brightest pixel (the outline
 * ring) contrasts with what is around it (a corner of its box) by at least `minimum`.
 */
export async function expectSwatchVisible(swatch: Locator, minimum: number): Promise<void> {
  for (const dark of ['#000080', '#000000']) {
    await swatch.evaluate((svg, fill) => {
      (svg as unknown as { querySelector(s: string): { setAttribute(n: string, v: string): void } })
        .querySelector('circle')
        .setAttribute('fill', fill);
    }, dark);
    const png = PNG.sync.read(await swatch.screenshot());
    const luminance = (i: number) => {
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]].map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const around = luminance(0);
    let brightest = 0;
    for (let i = 0; i < png.data.length; i += 4) brightest = Math.max(brightest, luminance(i));
    const contrast = (brightest + 0.05) / (around + 0.05);
    expect(contrast, `a ${dark} swatch against its background`).toBeGreaterThanOrEqual(minimum);
  }
}

/** The page fits its viewport: nothing sticks out sideways (a phone would have to scroll or zoom out). */
export async function expectNoHorizontalOverflow(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  expect(scrollWidth, `${what} is ${scrollWidth} px wide in a ${innerWidth} px viewport`).toBeLessThanOrEqual(
    innerWidth,
  );
}
