/**
 * Service processes for multi-process tests: each is `node --import tsx app/main.ts
 * --service=...` with its own SB_* environment, listening on a free port (SB_HTTP_PORT=0; the
 * port is read from its "listening" log line) and ready once GET /health answers 200.
 *
 *   const cluster = new ProcessCluster({ SB_MODE: 'distributed', ... });
 *   after(() => cluster.stopAll());
 *   const engine = await cluster.start('engine', ['odds-engine']);
 *   await engine.kill('SIGKILL');
 *   await cluster.start('engine', ['odds-engine']);
 *
 * Every child is also killed when the test process exits, whatever the reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOG_LINES = 200;

export interface ServiceProcess {
  readonly name: string;
  /** Base URL of its HTTP server. */
  readonly url: string;
  readonly pid: number;
  /** Sends the signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Its last log lines (stdout and stderr), for failure messages. */
  logs(): string;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export class ProcessCluster {
  private readonly running = new Map<string, ServiceProcess>();

  constructor(private readonly baseEnv: Readonly<Record<string, string>>) {}

  get(name: string): ServiceProcess {
    const p = this.running.get(name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  }

  /** Starts a process running `services` and waits until it is healthy. */
  async start(name: string, services: readonly string[], env: Readonly<Record<string, string>> = {}, { timeoutMs = 60_000 } = {}): Promise<ServiceProcess> {
    if (this.running.has(name)) throw new Error(`process ${name} is already running`);
    // Only SB_* of our own making: a developer's shell must not leak settings into the services.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SB_')));
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts', ...services.map((s) => `--service=${s}`)], {
      cwd: ROOT,
      env: { ...inherited, SB_HTTP_HOST: '127.0.0.1', SB_HTTP_PORT: '0', ...this.baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let exitCode: number | null | undefined;
    void exited.then(() => {
      exitCode = child.exitCode ?? -1;
      children.delete(child);
    });
    const lines: string[] = [];
    let url: string | undefined;
    const keep = (line: string) => {
      lines.push(line);
      if (lines.length > LOG_LINES) lines.shift();
      if (url === undefined && line.includes('listening on')) url = /listening on (http:\/\/[^\s"]+)/.exec(line)?.[1];
    };
    createInterface({ input: child.stdout! }).on('line', keep);
    createInterface({ input: child.stderr! }).on('line', keep);

    const running = this.running;
    const proc: ServiceProcess = {
      name,
      get url() {
        return url ?? '';
      },
      pid: child.pid ?? -1,
      async kill(signal = 'SIGTERM') {
        if (exitCode === undefined) child.kill(signal);
        await exited;
        running.delete(name);
      },
      logs: () => lines.join('\n'),
    };
    running.set(name, proc);
    try {
      await waitFor(() => exitCode !== undefined || url !== undefined, { timeoutMs, intervalMs: 50, message: `${name} to listen` });
      if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode}`);
      await waitFor(async () => exitCode !== undefined || (await healthy(proc.url)), { timeoutMs, intervalMs: 100, message: `${name} to be healthy` });
      if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode}`);
    } catch (error) {
      await proc.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n--- ${name} log ---\n${lines.join('\n')}`, { cause: error });
    }
    return proc;
  }

  /** Stops every process (SIGTERM, then SIGKILL after `graceMs`). */
  async stopAll({ graceMs = 10_000 } = {}): Promise<void> {
    await Promise.all(
      [...this.running.values()].map(async (p) => {
        const timer = setTimeout(() => void p.kill('SIGKILL'), graceMs);
        try {
          await p.kill('SIGTERM');
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}
