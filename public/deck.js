// The deck: one card at a time, decided with the keys A, D, E, S (or the buttons). Cards are drawn by the
// server (the same template as the page, so everything stays escaped); a card decided elsewhere is replaced
// as soon as the live stream says so. Without this script the buttons are plain forms and links.
(() => {
  const root = document.querySelector('[data-deck]');
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const deckId = root.dataset.deckId;
  const holder = root.querySelector('[data-deck-card]');
  const announcer = root.querySelector('[data-deck-announcer]');
  const HEARTBEAT_MS = 10_000;

  const card = () => holder.querySelector('[data-card-kind]');
  const currentId = () => {
    const id = card()?.dataset.cardId;
    return id ? Number(id) : null;
  };
  const editForm = () => holder.querySelector('[data-deck-edit-form]');
  const editing = () => editForm() && !editForm().hidden;

  // One request at a time; a change announced meanwhile is fetched again right after.
  let busy = false;
  let again = false;
  // A key pressed while the deck was busy, for the card it was pressed on: applied only if that card is
  // still the one on screen afterwards (never to a card the moderator has not seen).
  let pendingKey = null;
  // The card this deck itself just decided.
  let acted = null;

  function settle() {
    if (again) {
      again = false;
      void load();
      return;
    }
    const key = pendingKey;
    pendingKey = null;
    if (key && key.id === currentId()) {
      if (key.action === 'skip') {
        void load({ skip: true });
        return;
      }
      const form = holder.querySelector(`form[data-deck-action="${key.action}"]`);
      if (form) void act(form);
    }
  }

  async function load(options = {}) {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      await fetchCard(options);
    } finally {
      busy = false;
      settle();
    }
  }

  async function fetchCard({ skip = false } = {}) {
    const params = new URLSearchParams({ deck: deckId });
    const current = currentId();
    if (current) params.set('current', String(current));
    if (skip) params.set('skip', '1');
    try {
      const res = await fetch(`/admin/deck/card?${params}`, { headers: { Accept: 'text/html' } });
      if (!res.ok) throw new Error(String(res.status));
      const before = current;
      holder.innerHTML = await res.text();
      if (currentId() !== before) announce();
    } catch {
      window.vernissageNotice('The gateway did not answer. Check the connection; the deck tries again by itself.');
    }
  }

  function announce() {
    const kind = card()?.dataset.cardKind;
    const heading = card()?.querySelector('h2')?.textContent ?? '';
    const text = card()?.querySelector('.deck-text')?.textContent ?? '';
    if (!announcer) return;
    announcer.textContent =
      kind === 'empty'
        ? 'Nothing waiting.'
        : `${heading}: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`;
  }

  /** Sends a card's form (approve, deny, pass, hide, trust, edit), then shows the next card. */
  async function act(form) {
    if (busy) return;
    busy = true;
    // The live stream will announce this very decision; the next card is fetched right after it anyway.
    acted = currentId();
    try {
      const res = await window.vernissagePostForm(form, csrf);
      // Decided elsewhere first (409) or gone (404): the next card is what matters now.
      if (!res.ok && res.status !== 409 && res.status !== 404) {
        const body = await res.json().catch(() => ({}));
        window.vernissageNotice(body.message ?? `Something went wrong (${res.status}).`);
        if (res.status === 400) return;
      }
      await fetchCard();
    } catch {
      window.vernissageNotice('The gateway did not answer. Check the connection and try again.');
    } finally {
      busy = false;
      settle();
    }
  }

  function startEdit() {
    const form = editForm();
    if (!form) return;
    form.hidden = false;
    holder.querySelector('.deck-actions')?.setAttribute('hidden', '');
    const field = form.querySelector('textarea');
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  }

  function stopEdit() {
    const form = editForm();
    if (!form) return;
    form.hidden = true;
    holder.querySelector('.deck-actions')?.removeAttribute('hidden');
    holder.querySelector('.deck-actions button')?.focus();
  }

  // Without this script Edit opens the prompt's page and Skip reloads the deck; with it, both stay here.
  holder.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    event.preventDefault();
    if (form.matches('[data-deck-edit]')) startEdit();
    else if (form.matches('[data-deck-skip]')) skip();
    else void act(form);
  });

  function skip() {
    if (busy) pendingKey = { action: 'skip', id: currentId() };
    else void load({ skip: true });
  }

  const KEYS = {
    prompt: { a: 'approve', d: 'deny' },
    render: { a: 'pass', p: 'pass', d: 'hide', h: 'hide' },
  };
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const inField =
      event.target instanceof HTMLInputElement ||
      event.target instanceof HTMLTextAreaElement ||
      event.target instanceof HTMLSelectElement;
    if (inField) {
      if (event.key === 'Escape' && editing()) {
        event.preventDefault();
        stopEdit();
      }
      return;
    }
    const kind = card()?.dataset.cardKind;
    const key = event.key.toLowerCase();
    const action = KEYS[kind]?.[key];
    if (action) {
      event.preventDefault();
      const form = holder.querySelector(`form[data-deck-action="${action}"]`);
      if (form && !busy) void act(form);
      else if (form) pendingKey = { action, id: currentId() };
    } else if (key === 'e' && kind === 'prompt') {
      event.preventDefault();
      startEdit();
    } else if (key === 's' && (kind === 'prompt' || kind === 'render')) {
      event.preventDefault();
      skip();
    }
  });

  // Live: a card decided elsewhere leaves at once; an empty deck takes the next prompt as it arrives.
  if (typeof EventSource === 'function') {
    const events = new EventSource('/admin/events');
    const onChange = (event) => {
      const { suggestionId } = JSON.parse(event.data || '{}');
      const current = currentId();
      if (suggestionId === acted) return;
      if (current === null || suggestionId === current) void load();
    };
    for (const type of [
      'suggestion.created',
      'suggestion.status',
      'suggestion.removed',
      'suggestion.review',
    ]) {
      events.addEventListener(type, onChange);
    }
    events.addEventListener('open', () => void load());
  }

  // The claim on the card is short: renew it while the moderator looks at it (and catch up if it went).
  setInterval(() => {
    const current = currentId();
    if (busy || current === null) return;
    const params = new URLSearchParams({ deck: deckId, current: String(current) });
    fetch(`/admin/deck/card?${params}`, { headers: { Accept: 'application/json' } })
      .then((res) => (res.ok ? res.json() : null))
      .then((body) => {
        if (body && body.card.id !== currentId() && !editing()) void load();
      })
      .catch(() => undefined);
  }, HEARTBEAT_MS);
})();
