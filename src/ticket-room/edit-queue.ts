/**
 * Runs tasks one at a time in arrival order. A Durable Object handles its next request while the
 * current one awaits D1, so without this two PATCHes of one ticket would read the same version and
 * race; `blockConcurrencyWhile` would also hold back socket messages and event fan-out.
 */
export class EditQueue {
  #tasks: (() => Promise<void>)[] = [];
  #running = false;

  constructor(readonly capacity: number) {}

  get length() {
    return this.#tasks.length + (this.#running ? 1 : 0);
  }

  get full() {
    return this.length >= this.capacity;
  }

  /** The task's own result or error, once every task queued before it has finished. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#tasks.push(() => task().then(resolve, reject));
      void this.#drain();
    });
  }

  async #drain() {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let next = this.#tasks.shift(); next; next = this.#tasks.shift()) await next();
    } finally {
      this.#running = false;
    }
  }
}
