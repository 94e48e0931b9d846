/**
 * The rules for account names and passwords, in one place: the invite form, the JSON API, the set/reset
 * password pages and the password change all check the same thing.
 */
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const USERNAME_PATTERN_MESSAGE =
  'A username may use letters, digits, dots, dashes and underscores, starting with a letter or digit.';
export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;
