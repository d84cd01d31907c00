// What a username and an email may be. Pure.

export const USERNAME_MAX = 64;
export const EMAIL_MAX = 254;

export function usernameProblem(username: string): string | undefined {
  if (username.trim() === '') return 'must not be blank';
  if (username.length > USERNAME_MAX) return `must be at most ${USERNAME_MAX} characters`;
  // Only the format of emails is part of the contract; a username need only be printable.
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(username)) return 'must not contain control characters';
  return undefined;
}

export function emailProblem(email: string): string | undefined {
  if (email.trim() === '') return 'must not be blank';
  if (email.length > EMAIL_MAX) return `must be at most ${EMAIL_MAX} characters`;
  if (!/^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:".]{2,}$/.test(email)) return 'is not a valid email address';
  return undefined;
}
