/**
 * One channel's state in the page, shared by every view that shows it: the channel is watched
 * while at least one view uses it, and kept a little after the last one leaves (going back and
 * forth between pages should not re-sync it each time).
 *
 * The state is replaced, never mutated, on every change, so views re-render by identity.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Position, PushClient } from './push-client.ts';

/** How a channel's frames become state. */
export interface ChannelReducer<S> {
  readonly empty: S;
  snapshot(data: unknown): S;
  /** Applies changes in order; returns the same state when nothing changed. */
  apply(state: S, changes: readonly unknown[]): S;
}

export interface ChannelView<S> {
  readonly state: S;
  /** Where the state is: undefined until the first snapshot. */
  readonly position: Position | undefined;
  /** Why the gateway refused or ended the subscription, if it did. */
  readonly error?: string;
}

const RELEASE_AFTER_MS = 15_000;

export class ChannelStore<S> {
  readonly channel: string;
  readonly #client: PushClient;
  readonly #reducer: ChannelReducer<S>;
  readonly #listeners = new Set<(view: ChannelView<S>) => void>();
  #view: ChannelView<S>;
  #unwatch: (() => void) | undefined;
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(client: PushClient, channel: string, reducer: ChannelReducer<S>) {
    this.#client = client;
    this.channel = channel;
    this.#reducer = reducer;
    this.#view = { state: reducer.empty, position: undefined };
  }

  get view(): ChannelView<S> {
    return this.#view;
  }

  /** Registers a listener; the channel is watched while any is registered. */
  listen(listener: (view: ChannelView<S>) => void): () => void {
    this.#listeners.add(listener);
    if (this.#releaseTimer !== undefined) clearTimeout(this.#releaseTimer);
    this.#releaseTimer = undefined;
    this.#unwatch ??= this.#client.watch(this.channel, {
      snapshot: (data, position) => this.#set({ state: this.#reducer.snapshot(data), position }),
      changes: (changes, position) => this.#set({ state: this.#reducer.apply(this.#view.state, changes), position }),
      failed: (error) => this.#set({ ...this.#view, error: error.message }),
    });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0 || this.#releaseTimer !== undefined) return;
      this.#releaseTimer = setTimeout(() => {
        this.#releaseTimer = undefined;
        if (this.#listeners.size > 0) return;
        this.#unwatch?.();
        this.#unwatch = undefined;
        this.#view = { state: this.#reducer.empty, position: undefined };
      }, RELEASE_AFTER_MS);
    };
  }

  #set(view: ChannelView<S>): void {
    this.#view = view;
    for (const listener of [...this.#listeners]) listener(view);
  }
}

/** Stores by channel name, so two views of one channel share it. */
export class ChannelStores {
  readonly #client: PushClient;
  readonly #stores = new Map<string, ChannelStore<unknown>>();

  constructor(client: PushClient) {
    this.#client = client;
  }

  get<S>(channel: string, reducer: ChannelReducer<S>): ChannelStore<S> {
    let store = this.#stores.get(channel) as ChannelStore<S> | undefined;
    if (!store) {
      store = new ChannelStore(this.#client, channel, reducer);
      this.#stores.set(channel, store as ChannelStore<unknown>);
    }
    return store;
  }
}

/** The channel's current view; re-renders on every change. Undefined store: nothing watched. */
export function useChannel<S>(store: ChannelStore<S> | undefined): ChannelView<S> | undefined {
  const [view, setView] = useState(store?.view);
  useEffect(() => {
    setView(store?.view);
    return store?.listen(setView);
  }, [store]);
  return view;
}
