// Progressive enhancement only: every page works without this script.
(() => {
  // The same 1–2000 characters-after-trimming rule as the server, shown as the guest types.
  for (const form of document.querySelectorAll('[data-prompt-form]')) {
    const field = form.querySelector('textarea[name="prompt"]');
    const counter = form.querySelector('[data-count-for="prompt"]');
    if (!field || !counter) continue;
    const max = Number(counter.dataset.max);
    const update = () => {
      const length = field.value.trim().length;
      field.setCustomValidity(
        length === 0 ? 'Write a prompt first.' : length > max ? `At most ${max} characters.` : '',
      );
      counter.textContent = `${length} / ${max} characters`;
      counter.classList.toggle('over', length > max);
    };
    field.addEventListener('input', update);
    update();
  }

  // Times in the viewer's own time zone and format: those on the page now, and those in parts drawn later
  // (the host's queue, re-fetched live), so one page never mixes two formats.
  const format = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const localise = (root) => {
    for (const time of root.querySelectorAll('time[datetime]')) {
      const date = new Date(time.getAttribute('datetime'));
      if (!Number.isNaN(date.getTime())) time.textContent = format.format(date);
    }
  };
  localise(document);
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) if (node instanceof Element) localise(node.parentElement ?? node);
    }
  }).observe(document.body, { childList: true, subtree: true });

  // Copy buttons beside read-only fields (a new API token, a link to pass on). The clipboard API needs a
  // secure context; on a party's plain-HTTP address the selected text is copied the older way.
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const field = document.getElementById(button.dataset.copy);
    if (!(field instanceof HTMLInputElement)) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      field.select();
      let copied = false;
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch {
        copied = document.execCommand('copy');
      }
      button.textContent = copied ? 'Copied' : 'Select and copy';
    });
  }
})();

// The welcome is shown without script too; with it, it becomes a proper modal with a backdrop.
(() => {
  const welcome = document.querySelector('dialog.welcome[open]');
  if (welcome && typeof welcome.showModal === 'function') {
    welcome.close();
    welcome.showModal();
  }
})();

/**
 * Posts a staff form as the browser would (with the pressed button's value), asking for JSON: the answer's
 * status and message are then the page's to show.
 */
window.vernissagePostForm = (form, csrf, submitter) =>
  fetch(form.action, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
      'x-csrf-token': csrf,
    },
    body: new URLSearchParams(new FormData(form, submitter ?? undefined)),
  });

/** A message floating over the page for a few seconds (a refused action on the staff pages), read aloud. */
(() => {
  let timer;
  window.vernissageNotice = (text) => {
    let box = document.querySelector('[data-admin-message]');
    if (!box) {
      box = document.createElement('p');
      box.className = 'notice floating';
      box.setAttribute('role', 'alert');
      box.dataset.adminMessage = '';
      document.body.append(box);
    }
    box.textContent = text;
    clearTimeout(timer);
    timer = setTimeout(() => box.remove(), 6000);
  };
})();

/**
 * Live updates for a page: an event stream whose events are hints, and `resync`, which re-reads what the
 * page shows. Resynced on every (re)connection, since events sent while the stream was down are lost
 * (a proxy's timeout, a phone asleep, a gateway restart). A stream the gateway refuses (too many open, or
 * full) or that cannot be had falls back to a resync every `pollMs`, and a new stream is tried later.
 */
window.vernissageLive = (url, handlers, resync, pollMs) => {
  if (typeof EventSource !== 'function') {
    setInterval(resync, pollMs);
    return;
  }
  let poll;
  let retry;
  const connect = () => {
    const source = new EventSource(url);
    for (const [type, handler] of Object.entries(handlers)) source.addEventListener(type, handler);
    source.addEventListener('open', () => {
      clearInterval(poll);
      poll = undefined;
      resync();
    });
    source.addEventListener('error', () => {
      // While CONNECTING the browser retries by itself; CLOSED means it gave up (a 429 or 503 answer).
      if (source.readyState !== EventSource.CLOSED) return;
      poll ??= setInterval(resync, pollMs);
      resync();
      clearTimeout(retry);
      retry = setTimeout(connect, 60_000);
    });
  };
  connect();
};

// A guest's own prompts change status live (approved, queued, rendering, rendered…).
(() => {
  const list = document.querySelector('#your-prompts');
  const own = list?.querySelector('[data-own-prompts]');
  if (!list || !own) return;
  // One read at a time; one asked for meanwhile runs right after, as the answer in flight may predate it.
  let reading = 'no';
  const resync = () => {
    if (reading !== 'no') {
      reading = 'again';
      return;
    }
    reading = 'once';
    fetch('/fragments/own-prompts', { headers: { Accept: 'text/html' } })
      .then((res) => (res.ok ? res.text() : Promise.reject(new Error(String(res.status)))))
      .then((html) => {
        own.innerHTML = html;
      })
      .catch(() => undefined)
      .finally(() => {
        const again = reading === 'again';
        reading = 'no';
        if (again) resync();
      });
  };
  const onStatus = (event) => {
    const { suggestionId, status, edited } = JSON.parse(event.data);
    const item = document.querySelector(`.prompt-item[data-prompt-id="${Number(suggestionId)}"]`);
    const chip = item?.querySelector('.status');
    if (!chip) return;
    chip.textContent = status;
    chip.className = `status status-${status}`;
    // A prompt that is no longer waiting has no wait to show.
    const wait = item.querySelector('[data-wait]');
    if (wait && !['approved', 'queued', 'rendering'].includes(status)) wait.hidden = true;
    // Said aloud too: a screen reader does not notice a chip changing on its own.
    const announcer = document.querySelector('[data-status-announcer]');
    const text = item.querySelector('.prompt-text')?.textContent ?? '';
    if (announcer)
      announcer.textContent = `Your prompt “${text.length > 60 ? `${text.slice(0, 59)}…` : text}” is ${status}.`;
    // After the reveal a finished image belongs on the page, and a text the host edited is shown as they
    // changed it: read the list again.
    if ((status === 'rendered' && list.hasAttribute('data-revealed')) || edited) resync();
  };
  window.vernissageLive(
    '/events',
    {
      'suggestion.status': onStatus,
      // A render passed or hidden by the host (Review renders): after the reveal, the page shows it or not.
      'suggestion.review': () => {
        if (list.hasAttribute('data-revealed')) resync();
      },
      // How long an approved prompt is expected to wait, in whole minutes (null: no estimate right now).
      'wait.changed': (event) => {
        const { suggestionId, minutes } = JSON.parse(event.data);
        const wait = own.querySelector(`.prompt-item[data-prompt-id="${Number(suggestionId)}"] [data-wait]`);
        if (!wait) return;
        wait.hidden = minutes === null;
        if (minutes !== null) wait.textContent = minutes === 1 ? 'about 1 minute' : `about ${Number(minutes)} minutes`;
      },
      // The host changed something every guest sees (the reveal, sizes, submissions open or closed).
      'settings.updated': () => location.reload(),
    },
    resync,
    20_000,
  );
})();
