/**
 * The matcher a worker serves from: every enabled list's current version, loaded from the
 * store and rebuilt when a list changes. A rebuild happens beside the matcher in use and is
 * swapped in with one assignment, so a query holds either the old matcher or the new one and
 * there is never a moment without one once the first load is done.
 *
 * Changes arrive by NOTIFY on LISTS_CHANNEL (bursts coalesced); a periodic check of the lists'
 * revisions, and a check after the listening connection reconnects, catch any that were missed.
 */
import { performance } from 'node:perf_hooks';
import { AppError } from '../core/errors.js';
import type { HashAlgo } from '../core/hash.js';
import type { ListEntry } from '../core/match.js';
import { listLists, LISTS_CHANNEL, streamEntries, type Db, type HashList, type ListChange } from '../store/index.js';
import { ItemMatcher } from './item-matcher.js';
import type { RadiusIndex } from './list-matcher.js';
import type { VideoMatchOptions } from './vpdq-matcher.js';

export interface LiveMatcherLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LiveMatcherOptions {
  db: Db;
  createIndex: () => RadiusIndex;
  /** The video verdict rule (HMA's query % ≥ 80 unless set). */
  video?: VideoMatchOptions;
  logger: LiveMatcherLogger;
  /** Notifications within this window are handled as one change (default 250 ms). */
  debounceMs?: number;
  /** The safety-net revision check (default 60 s). */
  checkIntervalMs?: number;
  /** The wait before trying again after a failed load (default 5 s). */
  retryMs?: number;
  /** Entries per page read from the store (default 50,000: fewer round trips, ~15% faster than 20,000 on 1M entries). */
  pageSize?: number;
}

export interface LoadedList {
  id: number;
  name: string;
  version: number;
  revision: number;
}

export interface LiveMatcherStatus {
  ready: boolean;
  lists: LoadedList[];
  entries: Partial<Record<HashAlgo, number>>;
  /** How long the last (re)load took. */
  loadSeconds: number | undefined;
}

function toEntry(e: {
  id: number;
  algorithm: HashAlgo;
  hash: string;
  category: string | null;
  externalId: string | null;
}): ListEntry {
  return {
    algorithm: e.algorithm,
    hash: e.hash,
    category: e.category,
    id: e.externalId ?? `entry:${e.id}`,
    line: 0,
    storeId: e.id,
  };
}

/** Identifies what a load would produce: each loadable list and its revision. */
function signature(lists: HashList[]): string {
  return lists.map((l) => `${l.id}@${l.revision}`).join(',');
}

export class LiveMatcher {
  private current: ItemMatcher | undefined;
  private loaded: { signature: string; lists: LoadedList[]; seconds: number } | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private debounce: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly firstLoad: Promise<void>;
  private resolveFirst!: () => void;

  private constructor(private readonly opts: LiveMatcherOptions) {
    this.firstLoad = new Promise((resolve) => (this.resolveFirst = resolve));
  }

  /** Starts listening, then loading in the background: `ready` turns true when the first load completes. */
  static async start(opts: LiveMatcherOptions): Promise<LiveMatcher> {
    const live = new LiveMatcher(opts);
    // Listen before the first read, so a change committed during the load is not missed.
    live.unlisten = await opts.db.listen(
      LISTS_CHANNEL,
      (payload) => live.onNotify(payload),
      () => live.schedule(0),
    );
    live.interval = setInterval(() => live.trigger(), opts.checkIntervalMs ?? 60_000);
    live.interval.unref();
    live.trigger();
    return live;
  }

  get ready(): boolean {
    return this.current !== undefined;
  }

  /** Resolves when the first load has completed (never, if the service closes first). */
  whenReady(): Promise<void> {
    return this.firstLoad;
  }

  /** The matcher to use for one item: keep the reference for the whole item. */
  matcher(): ItemMatcher {
    if (!this.current) throw new AppError('not_ready', 'The hash lists are still loading');
    return this.current;
  }

  status(): LiveMatcherStatus {
    return {
      ready: this.ready,
      lists: this.loaded?.lists ?? [],
      entries: this.current?.entriesByAlgorithm() ?? {},
      loadSeconds: this.loaded?.seconds,
    };
  }

  /**
   * Checks the lists' revisions and rebuilds if any changed. Calls during a refresh share it
   * and make it check once more at the end, so the last change is always seen.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.checkOnce();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.debounce);
    clearTimeout(this.retry);
    clearInterval(this.interval);
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await Promise.allSettled([unlisten?.(), this.refreshing]);
  }

  private onNotify(payload: string): void {
    let change: Partial<ListChange> = {};
    try {
      change = JSON.parse(payload) as ListChange;
    } catch {
      // Unreadable: treat it as "something changed".
    }
    const known = this.loaded?.lists.find((l) => l.id === change.listId);
    if (known && known.revision === change.revision) return;
    this.schedule(this.opts.debounceMs ?? 250);
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.trigger();
    }, delayMs);
  }

  /** A background refresh: a failure is logged and retried, and the matcher in use stays. */
  private trigger(): void {
    if (this.closed) return;
    this.refresh().catch((err: unknown) => {
      if (this.closed) return;
      this.opts.logger.warn({ err }, 'loading the hash lists failed; the matcher in use stays, retrying');
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.trigger(), this.opts.retryMs ?? 5_000);
    });
  }

  private async checkOnce(): Promise<void> {
    const { db } = this.opts;
    const lists = (await listLists(db, { enabledOnly: true })).filter((l) => l.currentVersion !== null);
    const sig = signature(lists);
    if (this.closed || (this.current && this.loaded?.signature === sig)) return;
    const started = performance.now();
    const pageSize = this.opts.pageSize ?? 50_000;
    const next = await ItemMatcher.fromPages(
      lists.map((l) => ({
        name: l.name,
        id: l.id,
        version: l.currentVersion!,
        kind: l.kind,
        dihedral: l.dihedral,
        thresholds: l.thresholds,
        pages: (async function* () {
          for await (const page of streamEntries(db, { id: l.id, version: l.currentVersion! }, pageSize))
            yield page.map(toEntry);
        })(),
      })),
      this.opts.createIndex,
      this.opts.video,
    );
    await next.ready();
    if (this.closed) return;
    const seconds = (performance.now() - started) / 1000;
    // The swap: queries already holding the old matcher finish with it.
    this.current = next;
    this.loaded = {
      signature: sig,
      lists: lists.map((l) => ({ id: l.id, name: l.name, version: l.currentVersion!, revision: l.revision })),
      seconds,
    };
    this.opts.logger.info(
      { lists: this.loaded.lists.length, entries: next.size, seconds: Math.round(seconds * 100) / 100 },
      `hash lists loaded: ${this.loaded.lists.length} lists, ${next.size} entries in ${seconds.toFixed(2)} s`,
    );
    this.resolveFirst();
  }
}
