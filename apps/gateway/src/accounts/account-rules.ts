import { ACCOUNT_LIMITS } from '#contracts';

/**
 * The rules for account names and passwords, in one place: the invite form, the JSON API, the set/reset
 * password pages and the password change all check the same thing (the numbers live in libs/contracts).
 */
export const USERNAME_MIN = ACCOUNT_LIMITS.usernameMinLength;
export const USERNAME_MAX = ACCOUNT_LIMITS.usernameMaxLength;
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const USERNAME_PATTERN_MESSAGE =
  'A username may use letters, digits, dots, dashes and underscores, starting with a letter or digit.';
export const EMAIL_MAX = ACCOUNT_LIMITS.emailMaxLength;
export const PASSWORD_MIN = ACCOUNT_LIMITS.passwordMinLength;
export const PASSWORD_MAX = ACCOUNT_LIMITS.passwordMaxLength;
