import 'express-session';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** The user's session epoch when this session was started; another one ends the session. */
    epoch?: number;
    /** Set when a new guest is created, so the home page greets them once. */
    welcome?: boolean;
    /** A one-shot message for the next page (e.g. "Sent!"). */
    flash?: string;
    /**
     * With the flash, once: an invitation or reset link the admin passes on by hand because mail is not
     * configured (the same link sits in output/mail as a file).
     */
    passOnLink?: string;
    /**
     * Staff only: a keyed hash of the exact client address the session was started from (a login, a
     * mailed link or a claim link); staff requests from any other address are refused.
     */
    staffAddress?: string;
  }
}
