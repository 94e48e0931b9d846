import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { moduleTestBed, type ModuleTestBed } from '../../../../test/support/gateway-modules.js';
import { AdminUsersModule } from '../admin-users/admin-users.module.js';
import { AdminUsersService } from '../admin-users/admin-users.service.js';
import { AuditLog } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import type { LiveEvent } from '../live/live-events.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { SettingsService, type Settings } from '../settings/settings.service.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { UsersRepository } from '../users/users.repository.js';
import { AutoApproval } from './auto-approval.service.js';
import { SuggestionLifecycle } from './suggestion-lifecycle.service.js';
import { SuggestionQueries } from './suggestion-queries.repository.js';
import { SuggestionsModule } from './suggestions.module.js';
import { SuggestionsService } from './suggestions.service.js';

/** Time that moves only when the spec moves it: the grace window measured without waiting for it. */
class FakeClock extends Clock {
  at = new Date('2026-11-29T20:00:00.000Z').getTime();
  override now(): Date {
    return new Date(this.at);
  }
  advance(seconds: number): Date {
    this.at += seconds * 1000;
    return this.now();
  }
}

/**
 * The rules that decide before (or instead of) a person, on a real SQLite file: word lists, each
 * Auto-approve mode with its grace window, trust, edit-and-approve, bulk, render review, and the audit
 * entry each of them writes, once.
 */
describe('moderation rules (real SQLite, injectable clock)', () => {
  const temp = makeTempDir('vernissage-moderation-rules-');
  const clock = new FakeClock();
  let bed: ModuleTestBed;
  let service: SuggestionsService;
  let lifecycle: SuggestionLifecycle;
  let queries: SuggestionQueries;
  let settings: SettingsService;
  let sweeper: AutoApproval;
  let users: UsersRepository;
  let audit: AuditLog;
  let events: LiveEvent[];
  let guest: UserEntity;
  let member: UserEntity;
  let host: UserEntity;

  beforeAll(async () => {
    bed = await moduleTestBed(
      temp.dir,
      [SuggestionsModule, UsersModule, AdminUsersModule],
      [{ provide: Clock, useValue: clock }],
    );
    service = bed.module.get(SuggestionsService);
    lifecycle = bed.module.get(SuggestionLifecycle);
    queries = bed.module.get(SuggestionQueries);
    settings = bed.module.get(SettingsService);
    sweeper = bed.module.get(AutoApproval);
    users = bed.module.get(UsersRepository);
    audit = bed.module.get(AuditLog);
    bed.module
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
    guest = await users.createWithColour('guest', null);
    member = await users.createWithColour('member', null);
    host = await users.createWithColour('admin', null);
    await settings.update({ maxPendingPerGuest: 1000 });
  });
  afterAll(async () => {
    await bed.close();
    temp.cleanup();
  });
  beforeEach(async () => {
    await settings.update({
      holdWords: [],
      denyWords: [],
      autoApprove: 'off',
      graceSeconds: 60,
      reviewRenders: false,
    });
    // Each case starts with nobody waiting, so a sweep's whole answer is about that case's prompts.
    const leftover = await queries.listPendingWithAuthors(0, 10_000);
    await lifecycle.decideMany(
      leftover.map((row) => row.id),
      'denied',
      host.id,
    );
    events = [];
  });

  const send = (author: UserEntity, prompt: string) =>
    service.submit(author, { prompt, width: 512, height: 512 });
  const stored = async (id: number) => (await queries.findById(id))!;
  /** Every audit entry about one prompt, oldest first. */
  const auditOf = async (id: number) =>
    (await audit.listAfter(0, 10_000)).filter((entry) => entry.suggestionId === id);
  const withPicture = async (author: UserEntity, prompt: string) => {
    const sent = await lifecycle.submit(
      { userId: author.id, prompt, width: 512, height: 512, pictureFile: 'picture.png' },
      1000,
      clock.now(),
    );
    if (!sent.ok) throw new Error('not submitted');
    return sent.suggestionId;
  };

  async function mode(autoApprove: Settings['autoApprove'], graceSeconds = 60) {
    await settings.update({ autoApprove, graceSeconds });
  }

  describe('word lists', () => {
    it('a deny word denies at once, with the words as its reason and the rule in the audit log; never pending', async () => {
      await settings.update({ denyWords: ['gore', 'nazi'] });
      const sent = await send(guest, 'A N4ZI parade in the gore');
      expect(sent.status).toBe('denied');
      expect(await stored(sent.id)).toMatchObject({
        status: 'denied',
        decisionRule: 'deny-words',
        decidedById: null,
        decisionReason: "It has words on the host's deny list (gore, nazi).",
      });
      expect(events).toEqual([{ type: 'suggestion.created', suggestionId: sent.id, userId: guest.id }]);
      expect(await auditOf(sent.id)).toMatchObject([
        { kind: 'auto-decision', action: 'deny', actorId: null, rule: 'deny-words', subjectUserId: guest.id },
      ]);
    });

    it('a hold word flags it (the words kept for highlighting); a word inside a longer word does not', async () => {
      await settings.update({ holdWords: ['ass', 'blood'] });
      const flagged = await send(guest, 'Blood moon over a$$ hill');
      const clean = await send(guest, 'A class of glass bass players');
      expect(await stored(flagged.id)).toMatchObject({ status: 'pending', flaggedWords: '["ass","blood"]' });
      expect(await stored(clean.id)).toMatchObject({ status: 'pending', flaggedWords: null });
    });
  });

  describe('Auto-approve', () => {
    it('Off (the default): even a member waits for a person', async () => {
      expect((await settings.get()).autoApprove).toBe('off');
      const sent = await send(member, 'a member, auto-approve off');
      expect(sent.status).toBe('pending');
      await sweeper.sweep(clock.advance(3600));
      expect((await stored(sent.id)).status).toBe('pending');
    });

    it('Members and staff: theirs at once, with the rule; a guest still waits', async () => {
      await mode('members');
      const mine = await send(member, 'a member, approved at once');
      const staff = await send(host, 'the host, approved at once');
      const theirs = await send(guest, 'a guest waits');
      expect([mine.status, staff.status, theirs.status]).toEqual(['approved', 'approved', 'pending']);
      expect(await stored(mine.id)).toMatchObject({ decisionRule: 'members-and-staff', decidedById: null });
      expect(await auditOf(mine.id)).toMatchObject([
        { kind: 'auto-decision', action: 'approve', actorId: null, rule: 'members-and-staff' },
      ]);
      expect(events).toContainEqual({
        type: 'suggestion.status',
        suggestionId: mine.id,
        userId: member.id,
        status: 'approved',
      });
      await sweeper.sweep(clock.advance(3600));
      expect((await stored(theirs.id)).status).toBe('pending');
    });

    it('Trusted guests: a trusted guest at once; trust given later approves what they have waiting', async () => {
      await mode('trusted');
      const newcomer = await users.createWithColour('guest', null);
      const waiting = await send(newcomer, 'sent before being trusted');
      expect(waiting.status).toBe('pending');
      await users.setTrusted(newcomer.id, true);
      // The sweep picks up what was waiting (AdminUsersService also does so at once when trust is given).
      await sweeper.sweep(clock.now());
      expect(await stored(waiting.id)).toMatchObject({ status: 'approved', decisionRule: 'trusted-guest' });
      const trusted = (await users.findById(newcomer.id))!;
      expect((await send(trusted, 'trusted now')).status).toBe('approved');
      expect((await send(guest, 'not trusted')).status).toBe('pending');
      // Members are covered by the modes above this one too.
      expect((await send(member, 'a member under trusted')).status).toBe('approved');
      await users.setTrusted(newcomer.id, false);
    });

    it('a sweep that approves the new prompt first: the sender is still told it is approved', async () => {
      await mode('trusted');
      const created = await users.createWithColour('guest', null);
      await users.setTrusted(created.id, true);
      const trusted = (await users.findById(created.id))!;
      // The sweep's tick lands between the insert and the submission's own approval, which then finds
      // nothing left to approve.
      const own = lifecycle.autoApprove.bind(lifecycle);
      const spy = vi.spyOn(lifecycle, 'autoApprove').mockImplementationOnce(async (...args) => {
        expect((await sweeper.sweep(clock.now())).length).toBe(1);
        return own(...args);
      });
      try {
        const sent = await send(trusted, 'approved by the sweep first');
        expect(await stored(sent.id)).toMatchObject({ status: 'approved', decisionRule: 'trusted-guest' });
        expect(sent.status).toBe('approved');
      } finally {
        spy.mockRestore();
        await users.setTrusted(created.id, false);
      }
    });

    it('trust given while the sweep runs: the host is told what trusting approved, whichever statement did', async () => {
      await mode('trusted');
      const newcomer = await users.createWithColour('guest', null);
      const waiting = await send(newcomer, 'waiting when trust is given');
      expect(waiting.status).toBe('pending');
      // The sweep's tick lands between the trust being written and the trust's own approval, which then
      // finds nothing left to approve.
      const own = lifecycle.autoApprove.bind(lifecycle);
      const spy = vi.spyOn(lifecycle, 'autoApprove').mockImplementationOnce(async (...args) => {
        expect((await sweeper.sweep(clock.now())).length).toBe(1);
        return own(...args);
      });
      try {
        const answer = await bed.module.get(AdminUsersService).setTrusted(newcomer.id, true, host);
        expect(answer).toMatchObject({ trusted: true, approvedPromptIds: [waiting.id] });
        expect(answer.message).toContain('1 waiting prompt(s) approved');
        expect(await stored(waiting.id)).toMatchObject({ status: 'approved', decisionRule: 'trusted-guest' });
      } finally {
        spy.mockRestore();
        await users.setTrusted(newcomer.id, false);
      }
    });

    it('Everything not flagged after N seconds: not before N, approved at N, with the rule and N', async () => {
      await mode('grace', 60);
      const sentAt = clock.now();
      const sent = await send(guest, 'waits out the grace window');
      expect(sent.status).toBe('pending');
      expect(await sweeper.deadlineOf(sentAt)).toEqual(new Date(sentAt.getTime() + 60_000));
      await sweeper.sweep(clock.advance(59));
      expect((await stored(sent.id)).status).toBe('pending');
      const approved = await sweeper.sweep(clock.advance(1));
      expect(approved.map((row) => row.suggestionId)).toEqual([sent.id]);
      expect(await stored(sent.id)).toMatchObject({
        status: 'approved',
        decisionRule: 'grace-window',
        decidedAt: clock.now(),
      });
      expect(await auditOf(sent.id)).toMatchObject([
        { kind: 'auto-decision', rule: 'grace-window', details: '{"graceSeconds":60}' },
      ]);
    });

    it('denied within the grace window: never approved afterwards', async () => {
      await mode('grace', 30);
      const sent = await send(guest, 'denied during its countdown');
      clock.advance(10);
      expect(await lifecycle.deny(sent.id, host.id)).toMatchObject({ ok: true });
      await sweeper.sweep(clock.advance(3600));
      expect(await stored(sent.id)).toMatchObject({
        status: 'denied',
        decisionRule: null,
        decidedById: host.id,
      });
      expect((await auditOf(sent.id)).map((entry) => entry.kind)).toEqual(['decision']);
    });

    it('pictures and flagged prompts are never approved automatically, whoever sent them, however long they wait', async () => {
      await settings.update({ holdWords: ['blood'] });
      await mode('grace', 5);
      const flaggedByHost = await send(host, 'blood on the dance floor');
      const flaggedByGuest = await send(guest, 'BLOOD moon');
      const pictureByMember = await withPicture(member, 'my cat, as a painting');
      const pictureByGuest = await withPicture(guest, 'my dog, as a painting');
      expect([flaggedByHost.status, flaggedByGuest.status]).toEqual(['pending', 'pending']);
      await sweeper.sweep(clock.advance(3600));
      for (const id of [flaggedByHost.id, flaggedByGuest.id, pictureByMember, pictureByGuest]) {
        expect((await stored(id)).status, `#${id}`).toBe('pending');
        expect(await auditOf(id)).toEqual([]);
      }
      // Even asked directly, the statement itself leaves them alone.
      expect(await lifecycle.autoApprove('members-and-staff', { id: pictureByMember })).toEqual([]);
      expect(await lifecycle.autoApprove('grace-window', { submittedBy: clock.now() })).toEqual([]);
    });

    it('a burst of 150 waiting prompts is approved in one sweep, each audited once', async () => {
      await mode('grace', 1);
      const burst = await Promise.all(Array.from({ length: 150 }, (_, i) => send(guest, `burst ${i}`)));
      const approved = await sweeper.sweep(clock.advance(1));
      expect(approved.map((row) => row.suggestionId).toSorted((a, b) => a - b)).toEqual(
        burst.map((sent) => sent.id).toSorted((a, b) => a - b),
      );
      const entries = (await audit.listAfter(0, 10_000)).filter((entry) =>
        burst.some((sent) => sent.id === entry.suggestionId),
      );
      expect(entries).toHaveLength(150);
    });
  });

  describe('people deciding', () => {
    it('edit: the new text is approved, the guest’s own is kept and goes to the audit log; once', async () => {
      const sent = await send(guest, 'a lighthouse, nsfw');
      expect(await lifecycle.editAndApprove(sent.id, host.id, 'a lighthouse at dawn')).toMatchObject({
        ok: true,
      });
      expect(await stored(sent.id)).toMatchObject({
        status: 'approved',
        prompt: 'a lighthouse at dawn',
        originalPrompt: 'a lighthouse, nsfw',
        decidedById: host.id,
      });
      expect(await lifecycle.editAndApprove(sent.id, host.id, 'again')).toMatchObject({
        ok: false,
        reason: 'wrong-status',
        status: 'approved',
      });
      expect(await auditOf(sent.id)).toMatchObject([
        {
          kind: 'edit',
          action: 'edit-and-approve',
          actorId: host.id,
          details: JSON.stringify({ original: 'a lighthouse, nsfw', edited: 'a lighthouse at dawn' }),
        },
      ]);
      expect((await auditOf(sent.id))[0].actorName).toBe(host.colourName);
    });

    it('bulk: those still pending are decided together, each audited once with its actor', async () => {
      const a = await send(guest, 'bulk a');
      const b = await send(guest, 'bulk b');
      const decided = await send(guest, 'bulk c, decided elsewhere first');
      await lifecycle.deny(decided.id, host.id);
      const applied = await lifecycle.decideMany([a.id, b.id, decided.id, 999_999], 'approved', host.id);
      expect(applied.map((row) => row.suggestionId)).toEqual([a.id, b.id]);
      for (const id of [a.id, b.id]) {
        expect(await auditOf(id)).toMatchObject([{ kind: 'decision', action: 'approve', actorId: host.id }]);
      }
      expect((await auditOf(decided.id)).map((entry) => entry.action)).toEqual(['deny']);
    });
  });

  describe('render review', () => {
    async function rendered(prompt: string): Promise<number> {
      const sent = await send(guest, prompt);
      await lifecycle.approve(sent.id, host.id);
      await lifecycle.render(sent.id, { seed: 1, file: `${sent.id}.png` });
      return sent.id;
    }

    it('off: a new render needs no review; Hide still works on it later', async () => {
      const id = await rendered('no review needed');
      expect((await stored(id)).renderReview).toBeNull();
      expect(await lifecycle.hideRender(id, host.id)).toMatchObject({ ok: true });
      expect((await stored(id)).renderReview).toBe('hidden');
    });

    it('on: a new render waits; Pass once (a second is refused), Hide any time; each audited once', async () => {
      await settings.update({ reviewRenders: true });
      const id = await rendered('reviewed render');
      expect((await stored(id)).renderReview).toBe('waiting');
      events = [];
      expect(await lifecycle.passRender(id, host.id)).toMatchObject({ ok: true });
      expect(await lifecycle.passRender(id, host.id)).toEqual({
        ok: false,
        suggestionId: id,
        reason: 'wrong-review',
        review: 'passed',
      });
      expect(await lifecycle.hideRender(id, host.id)).toMatchObject({ ok: true });
      expect(await lifecycle.hideRender(id, host.id)).toMatchObject({ ok: false, reason: 'wrong-review' });
      expect(events).toEqual([
        { type: 'suggestion.review', suggestionId: id, userId: guest.id, review: 'passed' },
        { type: 'suggestion.review', suggestionId: id, userId: guest.id, review: 'hidden' },
      ]);
      expect((await auditOf(id)).map((entry) => [entry.kind, entry.action])).toEqual([
        ['decision', 'approve'],
        ['render-review', 'pass'],
        ['render-review', 'hide'],
      ]);
      const pending = await send(guest, 'not rendered');
      expect(await lifecycle.passRender(pending.id, host.id)).toMatchObject({
        ok: false,
        reason: 'wrong-status',
        status: 'pending',
      });
      expect(await lifecycle.hideRender(999_999, host.id)).toMatchObject({ ok: false, reason: 'not-found' });
    });
  });
});
