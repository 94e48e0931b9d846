import 'express-session';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** Set when a new guest is created, so the home page greets them once. */
    welcome?: boolean;
    /** A one-shot message for the next page (e.g. "Sent!"). */
    flash?: string;
    /**
     * With the flash, once: an invitation or reset link the admin passes on by hand because mail is not
     * configured (the same link sits in output/mail as a file).
     */
    passOnLink?: string;
  }
}
