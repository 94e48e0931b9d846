// Times that move on the staff pages without asking the server: the grace window's countdown on each
// waiting prompt, and how long the oldest prompt has waited. The server draws the exact moments.
(() => {
  const duration = (ms) => {
    const seconds = Math.max(0, Math.round(ms / 1000));
    const minutes = Math.floor(seconds / 60);
    return minutes ? `${minutes} min ${String(seconds % 60).padStart(2, '0')} s` : `${seconds} s`;
  };
  // Only a real change is written, so the observer below does not wake itself up again.
  const show = (time, text) => {
    if (time.textContent !== text) time.textContent = text;
  };
  function tick() {
    const now = Date.now();
    for (const time of document.querySelectorAll('time[data-countdown]')) {
      const at = Date.parse(time.getAttribute('datetime'));
      if (!Number.isNaN(at)) show(time, at > now ? duration(at - now) : 'a moment');
    }
    for (const time of document.querySelectorAll('time[data-age-since]')) {
      const at = Date.parse(time.getAttribute('datetime'));
      if (!Number.isNaN(at)) show(time, duration(now - at));
    }
  }
  tick();
  setInterval(tick, 1000);
  // Parts drawn later (live fragments, deck cards) get their times at once, not a second later.
  new MutationObserver(tick).observe(document.body, { childList: true, subtree: true });
})();
