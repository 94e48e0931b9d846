import { BadRequestException, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditLog } from '../audit/audit.service.js';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { RendererCatalog } from '../renderer/renderer-catalog.service.js';
import { SettingsService, type Settings } from '../settings/settings.service.js';
import {
  formValuesFromInput,
  formValuesOf,
  toSettingsFormView,
  toSettingsView,
  type SettingsFormView,
  type SettingsView,
} from './admin-settings.view.js';
import type { UserEntity } from '../users/user.entity.js';
import {
  parseSettingsUpdate,
  SETTINGS_FIELD_LABELS,
  type SettingsFieldError,
} from './dto/update-settings.dto.js';

/** Each setting that changed, by the name the settings page gives it, with its old and new value. */
function changedFields(before: SettingsView, after: SettingsView) {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of Object.keys(after) as (keyof SettingsView)[]) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    const label = SETTINGS_FIELD_LABELS[key as keyof typeof SETTINGS_FIELD_LABELS] ?? key;
    changes[label] = { before: before[key], after: after[key] };
  }
  return changes;
}

/** A 400 that keeps each field's message, so the form can show them beside the fields. */
export class InvalidSettingsException extends BadRequestException {
  constructor(readonly fieldErrors: SettingsFieldError[]) {
    super(fieldErrors.map((item) => item.message).join(' '));
  }
}

/** The host's settings page: read, validate and store the settings, and tell open pages at once. */
@Injectable()
export class AdminSettingsService implements OnModuleInit {
  constructor(
    private readonly settings: SettingsService,
    private readonly live: LiveEventsService,
    private readonly catalog: RendererCatalog,
    private readonly pages: PageRegistry,
    private readonly audit: AuditLog,
  ) {}

  /** The form (its own shape, with SD's lists) for browsers; a refused save shows it again, per field. */
  onModuleInit(): void {
    this.pages.register('settings', async (req, { refusal }) => {
      if (refusal && !(refusal.error instanceof InvalidSettingsException)) return undefined;
      const form = refusal
        ? await this.rejectedForm(req.body, (refusal.error as InvalidSettingsException).fieldErrors)
        : await this.form();
      return new Page('admin/settings', { title: 'Settings', ...form });
    });
  }

  async current(): Promise<SettingsView> {
    return toSettingsView(await this.settings.get());
  }

  async form(): Promise<SettingsFormView> {
    const [settings, catalog] = await Promise.all([this.settings.get(), this.catalog.list()]);
    return toSettingsFormView(formValuesOf(settings), [], catalog);
  }

  /** The form again, as it was sent, with the messages from a rejected save. */
  async rejectedForm(input: unknown, errors: SettingsFieldError[]): Promise<SettingsFormView> {
    const [settings, catalog] = await Promise.all([this.settings.get(), this.catalog.list()]);
    return toSettingsFormView(formValuesFromInput(input, formValuesOf(settings)), errors, catalog);
  }

  /**
   * Validates everything before storing anything, so a bad field changes nothing. The generation
   * settings reach the renderer with the next job (the dispatcher reads them per dispatch).
   */
  async save(input: unknown, admin: UserEntity): Promise<SettingsView> {
    const parsed = parseSettingsUpdate(input ?? {});
    if (!parsed.ok) throw new InvalidSettingsException(parsed.errors);
    const { steps, cfgScale, sampler, scheduler, negativePrompt, model, ...rest } = parsed.update;
    const patch: Partial<Settings> = { ...rest };
    const generation = { steps, cfgScale, sampler, scheduler, negativePrompt, model };
    const given = Object.fromEntries(Object.entries(generation).filter(([, value]) => value !== undefined));
    if (Object.keys(given).length > 0) {
      patch.generation = { ...(await this.settings.generation()), ...given };
    }
    const before = toSettingsView(await this.settings.get());
    const saved = await this.settings.update(patch);
    this.live.emit({ type: 'settings.updated' });
    const after = toSettingsView(saved);
    const changes = changedFields(before, after);
    const names = Object.keys(changes);
    if (names.length > 0) {
      await this.audit.record({
        kind: 'settings',
        action: 'change-settings',
        actorId: admin.id,
        summary: `Changed ${names.join(', ')}`,
        details: { changes },
      });
    }
    return after;
  }
}
