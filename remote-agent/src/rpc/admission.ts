/**
 * How many connections the agent holds at once, shared by all of them. Anyone who can open the
 * socket can open many; each costs a file descriptor and up to one partial message in memory.
 * Connections that have not logged in have their own, smaller cap, so a flood of anonymous
 * ones cannot take every slot from people who log in. (A Unix socket gives Node no peer
 * credentials, so "per peer" here means per login state; SSH already names the person.)
 */
export interface AdmissionLimits {
  maxConnections: number;
  maxUnauthenticatedConnections: number;
}

export const ADMISSION_DEFAULTS: AdmissionLimits = {
  maxConnections: 256,
  maxUnauthenticatedConnections: 32,
};

export interface AdmissionTicket {
  setAuthenticated(authenticated: boolean): void;
  release(): void;
}

export class Admission {
  private open = 0;
  private anonymous = 0;

  constructor(private readonly limits: AdmissionLimits = ADMISSION_DEFAULTS) {}

  /** A slot for a new (not yet logged in) connection, or undefined when full. */
  admit(): AdmissionTicket | undefined {
    if (this.open >= this.limits.maxConnections) return undefined;
    if (this.anonymous >= this.limits.maxUnauthenticatedConnections) return undefined;
    this.open++;
    this.anonymous++;
    let authenticated = false;
    let released = false;
    return {
      setAuthenticated: (yes) => {
        if (released || yes === authenticated) return;
        authenticated = yes;
        this.anonymous += yes ? -1 : 1;
      },
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        if (!authenticated) this.anonymous--;
      },
    };
  }

  get counts(): { open: number; unauthenticated: number } {
    return { open: this.open, unauthenticated: this.anonymous };
  }
}
