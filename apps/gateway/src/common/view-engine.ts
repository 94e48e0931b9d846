import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import hbs from 'hbs';
import { VIEWS_DIR } from './paths.js';

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/**
 * Handlebars through hbs; `{{x}}` escapes, and no view uses the unescaped `{{{x}}}` for user text.
 * Partials are registered synchronously under their exact file names (hbs's own registerPartials reads them
 * later, asynchronously, and renames `a-b.hbs` to `a_b`).
 */
export function configureViewEngine(): void {
  const dir = join(VIEWS_DIR, 'partials');
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.hbs'))) {
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(dir, file), 'utf8'));
  }
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // Server-side fallback; public/app.js rewrites <time> elements into the viewer's own time zone.
  hbs.registerHelper('time', (iso: unknown) =>
    typeof iso === 'string' ? `${timeFormat.format(new Date(iso))} UTC` : '',
  );
}
