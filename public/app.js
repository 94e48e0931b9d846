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
      field.setCustomValidity(length === 0 ? 'Write a prompt first.' : length > max ? `At most ${max} characters.` : '');
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

// A guest's own prompts change status live (approved, queued, rendering, rendered…).
(() => {
  const list = document.querySelector('#your-prompts');
  if (!list || typeof EventSource !== 'function') return;
  const events = new EventSource('/events');
  events.addEventListener('suggestion.status', (event) => {
    const { suggestionId, status, edited } = JSON.parse(event.data);
    const item = document.querySelector(`.prompt-item[data-prompt-id="${Number(suggestionId)}"]`);
    const chip = item?.querySelector('.status');
    if (!chip) return;
    chip.textContent = status;
    chip.className = `status status-${status}`;
    // Said aloud too: a screen reader does not notice a chip changing on its own.
    const announcer = document.querySelector('[data-status-announcer]');
    const text = item.querySelector('.prompt-text')?.textContent ?? '';
    if (announcer) announcer.textContent = `Your prompt “${text.length > 60 ? `${text.slice(0, 59)}…` : text}” is ${status}.`;
    // After the reveal a finished image belongs on the page: fetch the page again to show it. A text the
    // host edited is shown as they changed it.
    if ((status === 'rendered' && list.hasAttribute('data-revealed')) || edited) location.reload();
  });
  // A render passed or hidden by the host (Review renders): after the reveal, the page shows it or not.
  events.addEventListener('suggestion.review', () => {
    if (list.hasAttribute('data-revealed')) location.reload();
  });
  // The host changed something every guest sees (the reveal, sizes, submissions open or closed).
  events.addEventListener('settings.updated', () => location.reload());
})();
