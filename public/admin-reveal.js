// The Reveal switch applies at once; without this script its form has an Apply button instead.
(() => {
  const form = document.querySelector('[data-reveal-form]');
  if (!form) return;
  const toggle = form.querySelector('input[role="switch"]');
  const status = form.querySelector('[data-reveal-status]');
  const apply = form.querySelector('[data-reveal-apply]');
  const token = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const describe = (revealed) =>
    revealed ? 'Guests see their own images on their page.' : 'Guests cannot see any image yet.';
  apply.remove();

  toggle.addEventListener('change', async () => {
    const wanted = toggle.checked;
    toggle.disabled = true;
    status.textContent = 'Saving…';
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'x-csrf-token': token },
        body: JSON.stringify({ revealed: wanted }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
      toggle.checked = body.revealed === true;
      status.textContent = describe(toggle.checked);
    } catch (error) {
      toggle.checked = !wanted;
      status.textContent = `Not saved: ${error.message}`;
    } finally {
      toggle.disabled = false;
      toggle.focus();
    }
  });
})();
