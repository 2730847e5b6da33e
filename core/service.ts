/**
 * The lifecycle every service exposes to app/main.ts: started in dependency order, stopped in
 * reverse. stop() finishes work in flight and releases what start() took; both are idempotent.
 */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Health of the service and of each engine it depends on, for GET /health. */
  health?(): Promise<HealthReport>;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, { ok: boolean; detail?: string }>>;
}
