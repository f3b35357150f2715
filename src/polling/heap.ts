/**
 * A binary min-heap keyed on a due time, with removal by reference. The scheduler keeps every waiting
 * poll in one of these so that the most overdue one is always at the top, and an aborted wait can
 * leave the queue at once instead of lingering until its turn.
 */

/** What the heap needs of an item: its key, a tie-breaker, and a slot for its position. */
export interface HeapItem {
  /** The key: smaller comes out first. */
  due: number;
  /** Insertion order, so items due at the same time come out first-in first-out. */
  seq: number;
  /** Position in the heap; -1 when not in it. Maintained by the heap. */
  heapIndex: number;
}

/** A min-heap of {@link HeapItem}s. */
export class MinHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The item due first, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds `item` (which must not be in a heap). */
  push(item: T): void {
    item.seq = this.#seq++;
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  /** Removes and returns the item due first. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top) this.remove(top);
    return top;
  }

  /** Removes `item` if it is in this heap; returns whether it was. */
  remove(item: T): boolean {
    const index = item.heapIndex;
    if (index < 0 || this.#items[index] !== item) return false;
    const last = this.#items.pop() as T;
    item.heapIndex = -1;
    if (last !== item) {
      this.#items[index] = last;
      last.heapIndex = index;
      this.#down(index);
      this.#up(last.heapIndex);
    }
    return true;
  }

  /** Restores order after `item.due` changed. */
  update(item: T): void {
    if (item.heapIndex < 0 || this.#items[item.heapIndex] !== item) return;
    this.#up(item.heapIndex);
    this.#down(item.heapIndex);
  }

  /** Every item, in no particular order. */
  items(): readonly T[] {
    return this.#items;
  }

  /** Restores order after many keys changed at once. */
  rebuild(): void {
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #less(a: T, b: T): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #up(index: number): void {
    const items = this.#items;
    const item = items[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!this.#less(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  #down(index: number): void {
    const items = this.#items;
    const item = items[index] as T;
    const count = items.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= count) break;
      const right = child + 1;
      if (right < count && this.#less(items[right] as T, items[child] as T)) child = right;
      const smaller = items[child] as T;
      if (!this.#less(smaller, item)) break;
      items[index] = smaller;
      smaller.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
