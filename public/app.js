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

  // Show times in the viewer's own time zone.
  const format = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  for (const time of document.querySelectorAll('time[datetime]')) {
    const date = new Date(time.getAttribute('datetime'));
    if (!Number.isNaN(date.getTime())) time.textContent = format.format(date);
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
    const { suggestionId, status } = JSON.parse(event.data);
    const chip = document.querySelector(`.prompt-item[data-prompt-id="${Number(suggestionId)}"] .status`);
    if (!chip) return;
    chip.textContent = status;
    chip.className = `status status-${status}`;
    // After the reveal a finished image belongs on the page: fetch the page again to show it.
    if (status === 'rendered' && list.hasAttribute('data-revealed')) location.reload();
  });
  // The host changed something every guest sees (the reveal, sizes, submissions open or closed).
  events.addEventListener('settings.updated', () => location.reload());
})();
