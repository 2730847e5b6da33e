/** Where the page is, from the URL hash: `#/event/<id>`, `#/sport/<id>`, or the start. */
import { useEffect, useState } from 'preact/hooks';

export type Route = { readonly kind: 'home' } | { readonly kind: 'event' | 'sport'; readonly id: string };

export function parseRoute(hash: string): Route {
  const match = /^#\/(event|sport)\/(.+)$/.exec(hash);
  return match ? { kind: match[1] as 'event' | 'sport', id: decodeURIComponent(match[2]!) } : { kind: 'home' };
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
