/**
 * A price that changes in place: the element stays, its text changes, and a short green (up) or
 * red (down) flash with an arrow says which way it moved.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { compareOdds } from './decimal.ts';

export function Price({ price }: { price: string | undefined }) {
  const ref = useRef<HTMLSpanElement>(null);
  const previous = useRef(price);
  useLayoutEffect(() => {
    const before = previous.current;
    previous.current = price;
    const el = ref.current;
    if (!el || before === undefined || price === undefined || before === price) return;
    el.classList.remove('flash-up', 'flash-down');
    // Reading layout restarts the animation when the price moves again while it still runs.
    void el.offsetWidth;
    el.classList.add(compareOdds(price, before) > 0 ? 'flash-up' : 'flash-down');
  }, [price]);
  return (
    <span ref={ref} class="price" onAnimationEnd={(e) => e.currentTarget.classList.remove('flash-up', 'flash-down')}>
      {price ?? '–'}
    </span>
  );
}
