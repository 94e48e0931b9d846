import { Injectable } from '@nestjs/common';
import { DEFAULT_GENERATION_SETTINGS, GenerationSettingsSchema, type GenerationSettings } from '#contracts';
import { z } from 'zod';
import { ACCESS_MODES } from '../accounts/access-mode.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { TERM_MAX_LENGTH, TERMS_MAX_COUNT } from '../screening/word-list.js';
import { SettingsRepository } from './settings.repository.js';

export const SizeSchema = z.number().int().min(256).max(2048).multipleOf(8);

/**
 * Auto-approve, each mode including the ones before it: members and staff; also trusted guests; also
 * everyone else once their prompt waited the grace window without a moderator denying it.
 */
export const AUTO_APPROVE_MODES = ['off', 'members', 'trusted', 'grace'] as const;
export type AutoApproveMode = (typeof AUTO_APPROVE_MODES)[number];
export const GRACE_SECONDS_RANGE = { min: 1, max: 3600 } as const;

const WordsSchema = z.array(z.string().min(1).max(TERM_MAX_LENGTH)).max(TERMS_MAX_COUNT);

const SettingsSchema = z.object({
  submissionsOpen: z.boolean(),
  allowedSizes: z.array(SizeSchema).min(1).max(32),
  maxPendingPerGuest: z.number().int().min(1).max(1000),
  revealed: z.boolean(),
  /** open: anyone gets a colour; invite-only: only accounts the host registered may send prompts. */
  accessMode: z.enum(ACCESS_MODES),
  generation: GenerationSettingsSchema,
  /** A match marks the prompt Flagged: never approved automatically, its words highlighted. */
  holdWords: WordsSchema,
  /** A match denies the prompt at once, the words recorded as the reason. */
  denyWords: WordsSchema,
  autoApprove: z.enum(AUTO_APPROVE_MODES),
  graceSeconds: z.number().int().min(GRACE_SECONDS_RANGE.min).max(GRACE_SECONDS_RANGE.max),
  /** Each new render waits for a person's Pass before the show or its author sees it. */
  reviewRenders: z.boolean(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * Admin settings, kept in the database and cached in memory: every guest page reads them, and only this
 * service writes them, so the cache is always current.
 */
@Injectable()
export class SettingsService {
  private cache: Settings | null = null;

  constructor(
    private readonly repository: SettingsRepository,
    private readonly config: GatewayConfig,
  ) {}

  defaults(): Settings {
    return {
      submissionsOpen: true,
      allowedSizes: [512, 768, 1024],
      maxPendingPerGuest: this.config.limits.maxPendingPerGuest,
      revealed: false,
      accessMode: 'open',
      generation: { ...DEFAULT_GENERATION_SETTINGS },
      holdWords: [],
      denyWords: [],
      autoApprove: 'off',
      graceSeconds: 60,
      reviewRenders: false,
    };
  }

  async get(): Promise<Settings> {
    if (this.cache) return this.cache;
    const stored = await this.repository.readAll();
    const merged: Record<string, unknown> = { ...this.defaults() };
    for (const [key, raw] of stored) {
      try {
        merged[key] = JSON.parse(raw);
      } catch {
        // A damaged value falls back to its default rather than taking the party down.
      }
    }
    const parsed = SettingsSchema.safeParse(merged);
    this.cache = parsed.success ? parsed.data : this.defaults();
    return this.cache;
  }

  /** Validates and stores a partial update; throws a ZodError on bad input (mapped to 400 by callers). */
  async update(patch: Partial<Settings>): Promise<Settings> {
    const next = SettingsSchema.parse({ ...(await this.get()), ...patch });
    next.allowedSizes = [...new Set(next.allowedSizes)].sort((a, b) => a - b);
    const changed: Record<string, string> = {};
    for (const key of Object.keys(patch) as (keyof Settings)[]) changed[key] = JSON.stringify(next[key]);
    await this.repository.writeMany(changed);
    this.cache = next;
    return next;
  }

  async generation(): Promise<GenerationSettings> {
    return (await this.get()).generation;
  }
}
