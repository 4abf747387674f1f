/** A key-value store for rendezvous and failure records: libtorch's c10d TCPStore, through the addon. */
import { N } from '../engine/native.js';

export class Store {
  private handle: number | null;
  /** The port it listens on (a server opened on port 0 takes a free one). */
  readonly port: number;

  /**
   * A server (`isServer`) listens on `port` of every interface; a client connects to host:port,
   * retrying until `timeoutMs`, which also bounds each blocking `get`.
   */
  constructor(readonly host: string, port: number, isServer: boolean, readonly timeoutMs: number) {
    try {
      this.handle = N.storeOpen(host, port, isServer, timeoutMs);
    } catch (e) {
      throw new Error(isServer ? `could not listen on port ${port} for the rendezvous store: ${(e as Error).message}`
        : `could not reach the rendezvous store at ${host}:${port} within ${timeoutMs / 1000} s: ${(e as Error).message}`);
    }
    this.port = N.storePort(this.handle);
  }

  /** @internal the native handle. */
  get id(): number {
    if (this.handle === null) throw new Error('the store was closed');
    return this.handle;
  }

  set(key: string, value: string): void { N.storeSet(this.id, key, value); }
  /** The value of `key`, waiting for it up to the store's timeout. */
  get(key: string): string { return N.storeGet(this.id, key); }
  /** Whether `key` is set (does not wait). */
  has(key: string): boolean { return N.storeCheck(this.id, key); }
  /** The value of `key`, or null when it is not set. */
  peek(key: string): string | null { return this.has(key) ? this.get(key) : null; }

  close(): void {
    if (this.handle !== null) N.storeClose(this.handle);
    this.handle = null;
  }
}
