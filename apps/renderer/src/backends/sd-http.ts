import type { AxiosRequestConfig } from 'axios';
import type { SdServerConfig } from '../config/renderer.config.js';

/** axios defaults every SD server's client starts from (A1111 and ComfyUI alike). */
export function sdHttpDefaults(server: SdServerConfig): AxiosRequestConfig {
  return {
    baseURL: server.url,
    ...(server.auth ? { auth: server.auth } : {}),
    // SD normally sits on the LAN; an HTTP(S)_PROXY meant for the internet would cut long requests (see the A1111
    // notes on proxies and 60 s timeouts).
    proxy: false,
    // The APIs never redirect; without follow-redirects, errors carry the native request (its `reusedSocket`).
    maxRedirects: 0,
    // init images for img2img can be large; the frame limit already bounds what reaches us.
    maxBodyLength: server.maxFrameBytes,
    maxContentLength: server.maxFrameBytes,
  };
}
