/**
 * The trader's token: embedded mode mints a demo trader's; any other mode has no such route and
 * the console asks for a token instead (kept for the browser session only).
 */
import { useEffect, useState } from 'preact/hooks';
import { mintDemoToken, tokenClaims } from '../shared/api.ts';

export interface TraderSession {
  readonly token: string;
  readonly name: string;
}

const TOKEN_KEY = 'sb.trading.token';

export function useTraderSession(): { session: TraderSession | undefined; needsToken: boolean; error: string | undefined; signIn(token: string): void } {
  const [session, setSession] = useState<TraderSession | undefined>(undefined);
  const [needsToken, setNeedsToken] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    mintDemoToken('desk-1', 'trader', 'Demo trader').then(
      (token) => {
        if (token !== undefined) return setSession({ token, name: 'Demo trader' });
        setNeedsToken(true);
        const saved = sessionStorage.getItem(TOKEN_KEY);
        if (saved && tokenClaims(saved)?.role === 'trader') setSession({ token: saved, name: nameOf(saved) });
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);

  return {
    session,
    needsToken,
    error,
    signIn(token) {
      if (tokenClaims(token)?.role !== 'trader') {
        setError('That is not a trader token.');
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      setError(undefined);
      setSession({ token, name: nameOf(token) });
    },
  };
}

function nameOf(token: string): string {
  const claims = tokenClaims(token);
  return claims?.name ?? claims?.sub ?? 'trader';
}
