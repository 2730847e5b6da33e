/**
 * Who is betting. Embedded mode mints a demo player's token (demo-1 … demo-20, the players the app
 * opens and funds); any other mode has no such route, and the page takes a token pasted into the
 * sign-in field instead.
 */
import { useEffect, useState } from 'preact/hooks';
import { mintDemoToken, tokenClaims } from '../shared/api.ts';

export const DEMO_PLAYERS = Array.from({ length: 20 }, (_, i) => `demo-${i + 1}`);

export interface Session {
  readonly player: string;
  readonly token: string;
  /** The token was minted for a demo player (the player can be switched). */
  readonly demo: boolean;
}

export interface SessionControl {
  readonly session: Session | undefined;
  /** The app mints no demo tokens: a token must be given. */
  readonly needsToken: boolean;
  readonly error: string | undefined;
  choosePlayer(player: string): void;
  signIn(token: string): void;
}

const PLAYER_KEY = 'sb.bettor.player';
const TOKEN_KEY = 'sb.bettor.token';

export function useSession(): SessionControl {
  const [player, setPlayer] = useState(() => new URLSearchParams(location.search).get('player') ?? localStorage.getItem(PLAYER_KEY) ?? 'demo-1');
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [needsToken, setNeedsToken] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    mintDemoToken(player, 'player').then(
      (token) => {
        if (cancelled) return;
        if (token !== undefined) {
          setSession({ player, token, demo: true });
          return;
        }
        setNeedsToken(true);
        const saved = sessionStorage.getItem(TOKEN_KEY);
        const sub = saved ? tokenClaims(saved)?.sub : undefined;
        if (saved && sub) setSession({ player: sub, token: saved, demo: false });
      },
      (e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [player]);

  return {
    session,
    needsToken,
    error,
    choosePlayer(next) {
      localStorage.setItem(PLAYER_KEY, next);
      setPlayer(next);
    },
    signIn(token) {
      const claims = tokenClaims(token);
      if (claims?.sub === undefined || claims.role !== 'player') {
        setError('That is not a player token.');
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      setError(undefined);
      setSession({ player: claims.sub, token, demo: false });
    },
  };
}
