/**
 * The signed-in session: the bearer credential in sessionStorage (gone when the tab closes) —
 * either a user's session token from `POST /v1/auth/login` (password, and TOTP when enrolled) or
 * the node's admin token (the bootstrap credential). A 401 from any call (unknown token, or a
 * session that ran out: 30 minutes idle or 12 hours) ends the session and sends the user back to
 * the sign-in page with a message (see useApi and AppLayout).
 */
const KEY = 'fedgrid.token';
const KIND_KEY = 'fedgrid.tokenKind';
export const UNAUTHORIZED_EVENT = 'fedgrid:unauthorized';

/** `session`: a user's session token; `token`: the admin token or a user's API token. */
export type CredentialKind = 'session' | 'token';

export function getToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function getTokenKind(): CredentialKind {
  return sessionStorage.getItem(KIND_KEY) === 'session' ? 'session' : 'token';
}

/** Whether the last session ended with a 401 (the sign-in page then says it expired). */
let expired = false;

export function setToken(token: string, kind: CredentialKind = 'token'): void {
  expired = false;
  sessionStorage.setItem(KEY, token);
  sessionStorage.setItem(KIND_KEY, kind);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(KIND_KEY);
}

/** Ends the session after a 401 and tells the layout to show the sign-in page. */
export function sessionExpired(): void {
  expired = true;
  clearToken();
  window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
}

/** True after a 401 ended the session (until the next sign-in). */
export function sessionWasExpired(): boolean {
  return expired;
}
