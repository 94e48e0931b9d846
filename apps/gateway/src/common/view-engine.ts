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
    // A partial is used inline ("Delete {{> swatch}}?"): the file's final newline would become a space.
    hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(dir, file), 'utf8').trimEnd());
  }
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // The start of a long text, for an accessible name that says which prompt a button acts on.
  hbs.registerHelper('excerpt', (text: unknown, length: unknown) => {
    const value = typeof text === 'string' ? text.replace(/\s+/g, ' ').trim() : '';
    const max = typeof length === 'number' ? length : 60;
    return value.length > max ? `${value.slice(0, max - 1).trimEnd()}…` : value;
  });
  // Server-side fallback; public/app.js rewrites <time> elements into the viewer's own time zone.
  hbs.registerHelper('time', (iso: unknown) =>
    typeof iso === 'string' ? `${timeFormat.format(new Date(iso))} UTC` : '',
  );
}
