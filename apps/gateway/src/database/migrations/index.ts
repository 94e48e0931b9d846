import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { AccountsAndImagePrompts1764100000000 } from './1764100000000-accounts-and-image-prompts.js';
import { SuggestionLifecycle1764200000000 } from './1764200000000-suggestion-lifecycle.js';
import { ModerationAtScale1764300000000 } from './1764300000000-moderation-at-scale.js';
import { SessionEpoch1764310000000 } from './1764310000000-session-epoch.js';
import { RenderOrder1764320000000 } from './1764320000000-render-order.js';

/** Every migration, oldest first. Listed explicitly so the build needs no glob at run time. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  AccountsAndImagePrompts1764100000000,
  SuggestionLifecycle1764200000000,
  ModerationAtScale1764300000000,
  SessionEpoch1764310000000,
  RenderOrder1764320000000,
];
