/**
 * The signed-in session: the admin token in sessionStorage (gone when the tab closes). Until the
 * node has accounts, the admin token is the only credential. A 401 from any call ends the session
 * and sends the user back to the sign-in page (see useApi).
 */
const KEY = 'fedgrid.token';
export const UNAUTHORIZED_EVENT = 'fedgrid:unauthorized';

export function getToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** Ends the session after a 401 and tells the layout to show the sign-in page. */
export function sessionExpired(): void {
  clearToken();
  window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
}
