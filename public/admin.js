// The host's page, live: server-sent events say what changed; the changed parts are re-fetched as HTML
// fragments drawn by the same templates as the page (so everything stays escaped by the server).
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const queue = document.querySelector('[data-live-queue]');
  const counts = document.querySelector('[data-live-counts]');
  const renderer = document.querySelector('[data-live-renderer]');
  const page = queue?.dataset.page ?? '1';

  // One fetch per part at a time; a change announced while one is in flight is fetched again right after,
  // because the answer in flight may predate it.
  const inFlight = new Map();
  function refresh(part, target) {
    if (!target) return;
    if (inFlight.has(part)) {
      inFlight.set(part, 'again');
      return;
    }
    // Keep the host's place: do not redraw the queue while a button in it has focus.
    if (
      part === 'queue' &&
      target.contains(document.activeElement) &&
      document.activeElement !== document.body
    ) {
      setTimeout(() => refresh(part, target), 1000);
      return;
    }
    inFlight.set(part, 'once');
    fetch(`/admin/fragments/${part}?page=${encodeURIComponent(page)}`, { headers: { Accept: 'text/html' } })
      .then((res) => (res.ok ? res.text() : Promise.reject(new Error(String(res.status)))))
      .then((html) => {
        // Ticked rows stay ticked through a redraw (those still waiting).
        const ticked = part === 'queue' ? selectedIds() : [];
        target.innerHTML = html;
        for (const id of ticked) {
          const box = target.querySelector(`input.row-select[value="${id}"]`);
          if (box && !box.disabled) box.checked = true;
        }
        if (part === 'counts') announcePending();
      })
      .catch(() => undefined)
      .finally(() => {
        const again = inFlight.get(part) === 'again';
        inFlight.delete(part);
        if (again) refresh(part, target);
      });
  }

  function refreshModeration() {
    refresh('queue', queue);
    refresh('counts', counts);
  }

  // Redrawn after every (re)connection of the stream, and every few seconds while there is none.
  window.vernissageLive(
    '/admin/events',
    {
      'suggestion.created': refreshModeration,
      'suggestion.status': refreshModeration,
      'suggestion.removed': refreshModeration,
      'suggestion.review': () => refresh('counts', counts),
      renderer: () => {
        refresh('renderer', renderer);
        // The GPU queue's expected wait follows the renderer.
        refresh('counts', counts);
      },
    },
    () => {
      refreshModeration();
      refresh('renderer', renderer);
    },
    5_000,
  );

  // Decide without reloading the page; the form still works without this script.
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.action.includes('/admin/')) return;
    if (form.dataset.plain !== undefined) return;
    event.preventDefault();
    const button =
      event.submitter instanceof HTMLButtonElement ? event.submitter : form.querySelector('button');
    if (button) button.disabled = true;
    try {
      // The ticked rows (bulk) and the pressed button's value go along, as the form would send them.
      const res = await window.vernissagePostForm(form, csrf, event.submitter);
      // Decided (or already decided elsewhere): the row goes at once; the refresh below confirms it.
      if ((res.ok || res.status === 409) && form.dataset.decides !== undefined)
        form.closest('.queue-item')?.remove();
      const body = await res.json().catch(() => ({}));
      if (res.ok && form.dataset.bulk !== undefined) {
        for (const id of body.decided ?? [])
          queue?.querySelector(`.queue-item[data-prompt-id="${Number(id)}"]`)?.remove();
        window.vernissageNotice(body.message ?? '');
      } else if (!res.ok) {
        window.vernissageNotice(body.message ?? `Something went wrong (${res.status}).`);
      }
      if (button) button.disabled = false;
    } catch {
      window.vernissageNotice('The gateway did not answer. Check the connection and try again.');
    } finally {
      refreshModeration();
      refresh('renderer', renderer);
    }
  });

  function selectedIds() {
    return [...(queue?.querySelectorAll('input.row-select:checked') ?? [])].map((box) => box.value);
  }

  // Shift-click ticks (or unticks) every row between the last one clicked and this one.
  let lastClicked = null;
  queue?.addEventListener('click', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.classList.contains('row-select')) return;
    const boxes = [...queue.querySelectorAll('input.row-select')];
    const from = boxes.indexOf(lastClicked);
    if (event.shiftKey && from >= 0) {
      const to = boxes.indexOf(box);
      for (const other of boxes.slice(Math.min(from, to), Math.max(from, to) + 1)) {
        if (!other.disabled) other.checked = box.checked;
      }
    }
    lastClicked = box;
  });

  // Decisions a minute slide with time even when nothing happens.
  setInterval(() => refresh('counts', counts), 30_000);

  // Keyboard: A approves and D denies the oldest prompt on the page.
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (
      event.target instanceof HTMLInputElement ||
      event.target instanceof HTMLTextAreaElement ||
      event.target instanceof HTMLSelectElement
    )
      return;
    const key = event.key.toLowerCase();
    if (key !== 'a' && key !== 'd') return;
    const oldest = queue?.querySelector('.queue-item');
    const button = oldest?.querySelector(key === 'a' ? 'button.approve' : 'button.deny');
    if (button && !button.disabled) {
      event.preventDefault();
      button.closest('form')?.requestSubmit();
    }
  });

  // The queue changes under the host's eyes; a screen reader hears how many prompts wait when that changes.
  const announcer = document.querySelector('[data-queue-announcer]');
  const pendingNow = () => counts?.querySelector('.status-pending')?.nextElementSibling?.textContent?.trim();
  let lastPending = pendingNow();
  function announcePending() {
    const pending = pendingNow();
    if (!announcer || pending === undefined || pending === lastPending) return;
    lastPending = pending;
    announcer.textContent = pending === '1' ? '1 prompt waiting.' : `${pending} prompts waiting.`;
  }
})();
