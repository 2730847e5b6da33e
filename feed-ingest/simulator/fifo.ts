/**
 * First in, first out with constant-time removal at the head: a consumer that falls thousands of
 * messages behind costs no more per message than one that keeps up (Array#shift would not).
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Removes the head; the storage is compacted once the consumed part dominates it. */
  drop(): void {
    if (this.head >= this.items.length) return;
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
