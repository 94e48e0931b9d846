// The show: one slide at a time, keyboard, swipe, auto-advance, full screen, and live mode that polls
// for new renders. Without this script the page is a plain scrolling list of the same images.
(() => {
  const stage = document.querySelector('[data-show]');
  if (!stage) return;
  document.documentElement.classList.add('js');

  const $ = (selector) => stage.querySelector(selector);
  const list = $('[data-show-slides]');
  const empty = $('[data-show-empty]');
  const controls = $('[data-show-controls]');
  const previousButton = $('[data-show-previous]');
  const nextButton = $('[data-show-next]');
  const playButton = $('[data-show-play]');
  const intervalSelect = $('[data-show-interval]');
  const liveBox = $('[data-show-live]');
  const fullscreenButton = $('[data-show-fullscreen]');
  const counter = $('[data-show-counter]');
  const notice = $('[data-show-notice]');
  const slidesUrl = stage.dataset.slidesUrl;
  const POLL_MS = 4000;
  const IDLE_MS = 3000;
  const SWIPE_PX = 50;
  const INTERVAL_KEY = 'vernissage.show.interval';

  controls.hidden = false;
  const known = new Set([...list.children].map((item) => Number(item.dataset.slideId)));
  let current = null;
  let playing = false;
  let advanceTimer = null;

  // --- slides -------------------------------------------------------------------------------------

  const items = () => list.children;
  const indexOf = (item) => Array.prototype.indexOf.call(items(), item);
  const lastId = () => {
    const last = items()[items().length - 1];
    return last ? Number(last.dataset.slideId) : 0;
  };

  function go(index) {
    const all = items();
    empty.hidden = all.length > 0;
    if (all.length === 0) {
      current = null;
      render();
      return;
    }
    const target = all[Math.min(Math.max(index, 0), all.length - 1)];
    if (target !== current) {
      current?.classList.remove('is-current');
      target.classList.add('is-current');
      current = target;
    }
    // Fetch the next image now, so it is on screen at once when its turn comes.
    const upcoming = target.nextElementSibling?.querySelector('img');
    if (upcoming) upcoming.loading = 'eager';
    render();
    schedule();
  }

  function render() {
    const total = items().length;
    const index = current ? indexOf(current) : -1;
    counter.textContent = total ? `${index + 1} / ${total}` : '';
    previousButton.disabled = index <= 0;
    nextButton.disabled = index < 0 || index >= total - 1;
  }

  const next = () => current && go(indexOf(current) + 1);
  const previous = () => current && go(indexOf(current) - 1);

  function svg(name, attributes) {
    const element = document.createElementNS('http://www.w3.org/2000/svg', name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    return element;
  }

  // Built with textContent and attributes only: prompts are guests' text.
  function makeSlide(slide) {
    const item = document.createElement('li');
    item.className = 'show-slide';
    item.dataset.slideId = String(slide.id);
    item.setAttribute('aria-roledescription', 'slide');
    const figure = document.createElement('figure');
    figure.className = 'show-figure';
    const image = document.createElement('img');
    image.className = 'show-image';
    image.alt = slide.prompt;
    image.width = slide.width;
    image.height = slide.height;
    image.loading = 'lazy';
    image.decoding = 'async';
    image.src = slide.src;
    const caption = document.createElement('figcaption');
    caption.className = 'show-caption';
    const prompt = document.createElement('p');
    prompt.className = 'show-prompt';
    prompt.textContent = slide.prompt;
    const author = document.createElement('p');
    author.className = 'show-author';
    const swatch = document.createElement('span');
    swatch.className = 'swatch-wrap';
    const icon = svg('svg', {
      class: 'swatch',
      width: 20,
      height: 20,
      viewBox: '0 0 20 20',
      'aria-hidden': 'true',
    });
    icon.append(
      svg('circle', {
        cx: 10,
        cy: 10,
        r: 9,
        fill: slide.author.colourHex,
        stroke: '#ffffff55',
        'stroke-width': 1.5,
      }),
    );
    const name = document.createElement('span');
    name.className = 'swatch-name';
    name.textContent = slide.author.colourName;
    swatch.append(icon, name);
    author.append(swatch);
    caption.append(prompt, author);
    figure.append(image, caption);
    item.append(figure);
    return item;
  }

  /** Adds slides in id order; a late render with a smaller id slots into its place. */
  function addSlides(slides) {
    let added = 0;
    for (const slide of slides) {
      if (known.has(slide.id)) continue;
      known.add(slide.id);
      const item = makeSlide(slide);
      let before = null;
      for (let i = items().length - 1; i >= 0 && Number(items()[i].dataset.slideId) > slide.id; i--) {
        before = items()[i];
      }
      list.insertBefore(item, before);
      added++;
    }
    if (added === 0) return;
    if (!current) go(0);
    else {
      render();
      if (playing && advanceTimer === null) schedule();
    }
  }

  /** A render the host hid leaves the screen at once; the show moves on to its neighbour. */
  function removeSlides(ids) {
    for (const id of ids) {
      const item = list.querySelector(`[data-slide-id="${Number(id)}"]`);
      known.delete(Number(id));
      if (!item) continue;
      const index = indexOf(item);
      const wasCurrent = item === current;
      item.remove();
      if (wasCurrent) {
        current = null;
        go(Math.min(index, items().length - 1));
      }
    }
    render();
  }

  // --- auto-advance -------------------------------------------------------------------------------

  function intervalMs() {
    return Math.max(3, Number(intervalSelect.value) || 8) * 1000;
  }

  function schedule() {
    clearTimeout(advanceTimer);
    advanceTimer = null;
    if (!playing || items().length < 2) return;
    advanceTimer = setTimeout(() => {
      advanceTimer = null;
      const index = indexOf(current);
      // A running show loops, so renders that arrived meanwhile come round too.
      go(index >= items().length - 1 ? 0 : index + 1);
    }, intervalMs());
  }

  function setPlaying(on) {
    playing = on;
    playButton.textContent = on ? 'Pause' : 'Play';
    holdScreen(on);
    schedule();
  }

  try {
    const saved = localStorage.getItem(INTERVAL_KEY);
    if (saved && [...intervalSelect.options].some((option) => option.value === saved))
      intervalSelect.value = saved;
  } catch {
    // Storage may be off (private mode); the default interval is fine.
  }
  intervalSelect.addEventListener('change', () => {
    try {
      localStorage.setItem(INTERVAL_KEY, intervalSelect.value);
    } catch {
      // Not remembered, still applied.
    }
    schedule();
  });

  let wakeLock = null;
  async function holdScreen(on) {
    try {
      if (on && !wakeLock && 'wakeLock' in navigator) {
        wakeLock = await navigator.wakeLock.request('screen');
        wakeLock.addEventListener('release', () => (wakeLock = null));
      } else if (!on && wakeLock) {
        await wakeLock.release();
      }
    } catch {
      // The screen may dim; the show goes on.
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && playing) holdScreen(true);
  });

  // --- full screen --------------------------------------------------------------------------------

  const root = document.documentElement;
  const fullscreenElement = () => document.fullscreenElement ?? document.webkitFullscreenElement ?? null;
  if (!(document.fullscreenEnabled || document.webkitFullscreenEnabled)) fullscreenButton.hidden = true;

  function toggleFullscreen() {
    if (fullscreenElement()) {
      (document.exitFullscreen ?? document.webkitExitFullscreen)?.call(document);
      return;
    }
    const request = root.requestFullscreen ?? root.webkitRequestFullscreen;
    Promise.resolve(request?.call(root)).catch(() => undefined);
  }
  const onFullscreenChange = () => {
    fullscreenButton.textContent = fullscreenElement() ? 'Exit full screen' : 'Full screen';
  };
  document.addEventListener('fullscreenchange', onFullscreenChange);
  document.addEventListener('webkitfullscreenchange', onFullscreenChange);

  // --- input --------------------------------------------------------------------------------------

  previousButton.addEventListener('click', previous);
  nextButton.addEventListener('click', next);
  playButton.addEventListener('click', () => setPlaying(!playing));
  fullscreenButton.addEventListener('click', toggleFullscreen);

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    const tag = target instanceof Element ? target.tagName : '';
    // Fields keep their own keys (a select's arrows, a checkbox's space); buttons keep space and Enter.
    if (tag === 'SELECT' || tag === 'TEXTAREA' || (tag === 'INPUT' && target.type !== 'checkbox')) return;
    const activates = tag === 'BUTTON' || tag === 'A' || tag === 'INPUT';
    switch (event.key) {
      case 'ArrowRight':
      case 'PageDown':
        next();
        break;
      case 'ArrowLeft':
      case 'PageUp':
        previous();
        break;
      case ' ':
        if (activates) return;
        next();
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(items().length - 1);
        break;
      case 'f':
      case 'F':
        toggleFullscreen();
        break;
      case 'p':
      case 'P':
        setPlaying(!playing);
        break;
      default:
        return;
    }
    event.preventDefault();
    wake();
  });

  let touch = null;
  stage.addEventListener(
    'touchstart',
    (event) => {
      touch =
        event.touches.length === 1 && !controls.contains(event.target)
          ? { x: event.touches[0].clientX, y: event.touches[0].clientY }
          : null;
    },
    { passive: true },
  );
  stage.addEventListener('touchend', (event) => {
    if (!touch) return;
    const dx = event.changedTouches[0].clientX - touch.x;
    const dy = event.changedTouches[0].clientY - touch.y;
    touch = null;
    if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy)) (dx < 0 ? next : previous)();
  });

  // The controls fade out when nobody touches anything, leaving image and caption alone on screen.
  let idleTimer = null;
  function wake() {
    document.body.classList.remove('idle');
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const focused = document.activeElement;
      const keyboardInControls = controls.contains(focused) && focused.matches(':focus-visible');
      if (!keyboardInControls && !controls.matches(':hover')) document.body.classList.add('idle');
    }, IDLE_MS);
  }
  for (const type of ['pointermove', 'pointerdown', 'touchstart']) {
    document.addEventListener(type, wake, { passive: true });
  }

  // --- live mode ----------------------------------------------------------------------------------

  let polls = 0;
  let pollTimer = null;

  // Renders passed or hidden since this moment (Review renders) are asked for on each poll.
  let reviewedUntil = stage.dataset.reviewedUntil ?? '';

  async function fetchSlides(after) {
    const options = {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    };
    if (typeof AbortSignal.timeout === 'function') options.signal = AbortSignal.timeout(10_000);
    const query = new URLSearchParams({ after: String(after) });
    if (reviewedUntil) query.set('reviewedSince', reviewedUntil);
    const response = await fetch(`${slidesUrl}?${query}`, options);
    if (response.status === 401 || response.status === 403) {
      const error = new Error('signed out');
      error.fatal = true;
      throw error;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  /** New slides after the last one; now and then from the start, for a lower id rendered late. */
  async function refresh(fromStart) {
    let after = fromStart ? 0 : lastId();
    for (;;) {
      const page = await fetchSlides(after);
      addSlides(page.slides);
      if (page.reviewed) {
        addSlides(page.reviewed.passed);
        removeSlides(page.reviewed.hidden);
        reviewedUntil = page.reviewed.reviewedUntil;
      }
      if (!page.hasMore || page.slides.length === 0) return;
      after = page.slides[page.slides.length - 1].id;
    }
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  async function poll() {
    pollTimer = null;
    if (!liveBox.checked) return;
    polls++;
    try {
      await refresh(polls % 8 === 0);
      showNotice('');
    } catch (error) {
      if (error.fatal) {
        liveBox.checked = false;
        showNotice('Live mode stopped: this device is no longer signed in as the host. Reload the page.');
        return;
      }
      showNotice('Live mode: the server did not answer, trying again…');
    }
    if (liveBox.checked && pollTimer === null) pollTimer = setTimeout(poll, POLL_MS);
  }

  liveBox.addEventListener('change', () => {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (liveBox.checked) poll();
    else showNotice('');
  });

  go(0);
  wake();
  // The page carries the first slides only; the rest come straight away.
  if (stage.dataset.hasMore === 'true') {
    refresh(false)
      .catch(() => undefined)
      .finally(() => {
        if (liveBox.checked && pollTimer === null) pollTimer = setTimeout(poll, POLL_MS);
      });
  } else if (liveBox.checked) {
    pollTimer = setTimeout(poll, POLL_MS);
  }
})();
