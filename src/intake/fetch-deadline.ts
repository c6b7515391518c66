import { AppError } from '../core/errors.js';

/**
 * A fetch's deadline and cancellation. The first failure wins (the total timeout, the idle
 * timeout, a cancel from the caller), so the error reported is the cause and not the
 * connection reset that stopping the request produced.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: (() => void)[] = [];
  private failed: AppError | undefined;
  private readonly onCancel = (): void =>
    this.fail(new AppError('fetch_failed', 'The fetch was cancelled', { permanent: false }));

  constructor(
    timeoutMs: number,
    private readonly cancel: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(
      () => this.fail(new AppError('fetch_timeout', `The fetch took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
    if (cancel?.aborted) this.onCancel();
    else cancel?.addEventListener('abort', this.onCancel, { once: true });
  }

  /** Aborts with the failure; for APIs that take a signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  failure(): AppError | undefined {
    return this.failed;
  }

  fail(err: AppError): void {
    if (this.failed !== undefined) return;
    this.failed = err;
    this.clear();
    this.controller.abort(err);
    for (const listener of this.listeners) listener();
  }

  onFail(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Settles like `work`, or rejects with the failure as soon as there is one. */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = (): void => {
        if (this.failed !== undefined) reject(this.failed);
      };
      if (this.failed !== undefined) return stop();
      this.controller.signal.addEventListener('abort', stop, { once: true });
      void work.then(resolve, reject).finally(() => this.controller.signal.removeEventListener('abort', stop));
    });
  }

  /** Stops the timer: the fetch has finished, one way or another. */
  clear(): void {
    clearTimeout(this.timer);
    this.cancel?.removeEventListener('abort', this.onCancel);
  }
}
