import { join } from 'node:path';
import hbs from 'hbs';
import { VIEWS_DIR } from './paths.js';

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** Handlebars through hbs; `{{x}}` escapes, and no view uses the unescaped `{{{x}}}` for user text. */
export function configureViewEngine(): void {
  hbs.registerPartials(join(VIEWS_DIR, 'partials'));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // Server-side fallback; public/app.js rewrites <time> elements into the viewer's own time zone.
  hbs.registerHelper('time', (iso: unknown) =>
    typeof iso === 'string' ? `${timeFormat.format(new Date(iso))} UTC` : '',
  );
}
