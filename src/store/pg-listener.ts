import pg from 'pg';
import type { Notify } from './db.js';

const RECONNECT_MAX_MS = 30_000;

interface Subscription {
  onNotify: Notify;
  onGap: (() => void) | undefined;
}

/**
 * One dedicated connection for LISTEN (a pooled one would be handed to other queries).
 * If it drops, it reconnects with backoff, re-issues LISTEN and tells subscribers about the gap.
 */
export class Listener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly subs = new Map<string, Set<Subscription>>();
  private closed = false;
  private retryMs = 500;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly onError: (err: Error) => void,
  ) {}

  async add(channel: string, onNotify: Notify, onGap: (() => void) | undefined): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('Expected an open database for listen() but it was closed');
    const sub: Subscription = { onNotify, onGap };
    const client = await this.connect();
    let set = this.subs.get(channel);
    if (!set) {
      this.subs.set(channel, (set = new Set()));
      await client.query(`LISTEN ${channel}`);
    }
    set.add(sub);
    return async () => {
      set.delete(sub);
      if (set.size > 0 || this.subs.get(channel) !== set) return;
      this.subs.delete(channel);
      await this.client?.query(`UNLISTEN ${channel}`);
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client(this.config);
      client.on('notification', (msg) => {
        for (const sub of this.subs.get(msg.channel) ?? []) sub.onNotify(msg.payload ?? '');
      });
      client.on('error', (err) => {
        this.onError(err);
        this.lost(client);
      });
      client.on('end', () => this.lost(client));
      try {
        await client.connect();
        for (const channel of this.subs.keys()) await client.query(`LISTEN ${channel}`);
        this.client = client;
        this.retryMs = 500;
        return client;
      } catch (err) {
        client.removeAllListeners();
        await client.end().catch(() => undefined);
        throw err;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined);
    if (!this.closed && this.subs.size > 0) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.timer = setTimeout(() => {
      this.connect().then(
        () => {
          for (const set of this.subs.values()) for (const sub of set) sub.onGap?.();
        },
        (err: unknown) => {
          this.onError(err instanceof Error ? err : new Error(String(err)));
          this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.subs.clear();
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end();
    }
  }
}
