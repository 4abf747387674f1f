/**
 * Stopping a training loop (Stage I, the prior) by a signal without losing work: the first SIGINT,
 * SIGTERM or SIGHUP asks the loop to stop; it finishes its step and the next (in which every rank of
 * a data-parallel job learns of the stop, so that all stop together), Stage I writes its checkpoint,
 * the run lock is released on the way out, and the process ends with one line and the shell's code
 * for that signal (128 + its number). The listeners go at that first signal, so a second one ends
 * the process at once, by the signal's default action.
 */
import { constants } from 'node:os';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The end of a loop stopped by `signal`; the CLI exits with `exitCode`. */
export class Interrupted extends Error {
  readonly exitCode: number;

  constructor(readonly signal: NodeJS.Signals, message: string) {
    super(message);
    this.exitCode = 128 + constants.signals[signal];
  }
}

/** The stop requests of one loop, from `listen()` to `dispose()`. */
export class StopSignals {
  private received: NodeJS.Signals | null = null;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.received = signal;
    this.dispose();
  };

  private constructor() {
    for (const s of SIGNALS) process.on(s, this.onSignal);
  }

  /** Starts listening. */
  static listen(): StopSignals {
    return new StopSignals();
  }

  /**
   * The signal that asked to stop, or null. The loop's steps are synchronous, so this first yields
   * to the event loop once, letting a signal that arrived during the step be delivered.
   */
  async requested(): Promise<NodeJS.Signals | null> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.received;
  }

  /** Stops listening: the signals' default actions are back. */
  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.onSignal);
  }
}
