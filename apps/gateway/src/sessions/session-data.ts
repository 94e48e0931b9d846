import 'express-session';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** Set when a new guest is created, so the home page greets them once. */
    welcome?: boolean;
    /** A one-shot message for the next page (e.g. "Sent!"). */
    flash?: string;
  }
}
