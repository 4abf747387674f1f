/**
 * A key-value store for rendezvous and failure records, from libtorch's c10d through the addon: a
 * FileStore for a job on one machine (no socket), a TCPStore for a job across machines.
 */
import { N } from '../engine/native.js';

export class Store {
  private handle: number | null;

  private constructor(handle: number, readonly port: number, readonly where: string, readonly timeoutMs: number) {
    this.handle = handle;
  }

  /**
   * A TCPStore. A server (`isServer`) listens on `port` of every interface (libtorch 1.13 cannot
   * bind one address; port 0 takes a free one); a client connects to host:port, retrying until
   * `timeoutMs`, which also bounds each blocking `get`.
   */
  static tcp(host: string, port: number, isServer: boolean, timeoutMs: number): Store {
    let handle: number;
    try {
      handle = N.storeOpen(host, port, isServer, timeoutMs);
    } catch (e) {
      throw new Error(isServer ? `could not listen on port ${port} for the rendezvous store: ${(e as Error).message}`
        : `could not reach the rendezvous store at ${host}:${port} within ${timeoutMs / 1000} s: ${(e as Error).message}`);
    }
    const bound = N.storePort(handle);
    return new Store(handle, bound, `${host}:${bound}`, timeoutMs);
  }

  /**
   * A FileStore at `path`: every process of the job opens the same file, so it takes a directory
   * that only this user can read (the launcher makes one). `timeoutMs` bounds each blocking `get`.
   */
  static file(path: string, timeoutMs: number): Store {
    try {
      return new Store(N.storeOpenFile(path, timeoutMs), 0, path, timeoutMs);
    } catch (e) {
      throw new Error(`could not open the rendezvous store ${path}: ${(e as Error).message}`);
    }
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
