// Who is signed in, and what they may do. The server is the authority: the
// UI only hides what the principal's permissions would refuse anyway.

import { api, setCsrfToken } from "./api.js";

export const session = {
  me: null,

  get signedIn() {
    return this.me !== null;
  },

  /** True if the principal holds the permission (or "*"). */
  can(permission) {
    if (!permission) return true;
    const held = (this.me && this.me.permissions) || [];
    if (held.includes("*")) return true;
    return [].concat(permission).every((p) => held.includes(p));
  },

  /** True if the principal holds any of the permissions. */
  canAny(...permissions) {
    return permissions.flat().some((p) => this.can(p));
  },

  get mustChangePassword() {
    return Boolean(this.me && this.me.must_change_password);
  },
};

/** Ask the server who is signed in; null if nobody. */
export async function loadSession() {
  try {
    const me = await api.get("/me", undefined, { quiet: true });
    session.me = me;
    setCsrfToken(me.csrf_token);
  } catch (error) {
    if (error.status !== 401) throw error;
    session.me = null;
    setCsrfToken("");
  }
  return session.me;
}

export function forgetSession() {
  session.me = null;
  setCsrfToken("");
}
