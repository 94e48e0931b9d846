import type { RenderBackend, SdProgress } from '../backends/render-backend.js';

/**
 * Reads SD's progress every `intervalMs` while a job is in flight and hands it to `onProgress`. The first
 * read waits one interval, so fast jobs cost no extra request. Polls never overlap, and failures are
 * ignored: the figures are a hint, and the render call itself reports real trouble. Returns the stop switch.
 */
export function pollProgress(
  backend: RenderBackend,
  intervalMs: number,
  onProgress: (progress: SdProgress) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout;
  const tick = async () => {
    try {
      const progress = await backend.progress();
      if (!stopped && progress) onProgress(progress);
    } catch {
      // A hint only; see above.
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
