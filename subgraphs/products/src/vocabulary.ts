/**
 * Interns case-insensitive values (brands, option names and values) as small
 * integers, so filters compare numbers and facets count into plain arrays.
 * Each key remembers how indexed products spell it; a facet shows the most
 * common spelling (ties: the smallest), which is the same on every replica
 * that indexed the same products.
 */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  private readonly spellings: Array<Map<string, number>> = [];

  get size(): number {
    return this.spellings.length;
  }

  static keyOf(value: string): string {
    return value.toLowerCase();
  }

  /** The id of a key, or -1 when no product ever used it. */
  idOf(value: string): number {
    return this.ids.get(Vocabulary.keyOf(value)) ?? -1;
  }

  /** Counts one more use of `spelling` and returns its key's id. */
  add(spelling: string): number {
    const key = Vocabulary.keyOf(spelling);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.spellings.length;
      this.ids.set(key, id);
      this.spellings.push(new Map());
    }
    const uses = this.spellings[id]!;
    uses.set(spelling, (uses.get(spelling) ?? 0) + 1);
    return id;
  }

  /** Forgets one use of `spelling`; ids stay assigned so live entries keep theirs. */
  remove(spelling: string): void {
    const id = this.ids.get(Vocabulary.keyOf(spelling));
    if (id === undefined) return;
    const uses = this.spellings[id]!;
    const left = (uses.get(spelling) ?? 0) - 1;
    if (left > 0) uses.set(spelling, left);
    else uses.delete(spelling);
  }

  display(id: number): string {
    let best = '';
    let bestCount = 0;
    for (const [spelling, count] of this.spellings[id] ?? []) {
      if (count > bestCount || (count === bestCount && spelling < best)) {
        best = spelling;
        bestCount = count;
      }
    }
    return best;
  }
}
