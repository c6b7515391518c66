/**
 * An exact set of digests (md5, sha1, sha256) keyed by raw bytes, for lists of millions of
 * entries: open addressing over flat typed arrays (about 1.5x (width + 9) bytes an entry)
 * rather than a Map of strings (over 100 bytes an entry). Digests are uniformly distributed,
 * so their first bytes serve as the hash. Removal works as in the Hamming index: a tombstone
 * (id -> sequence number) hides older entries of the id until a sweep drops them.
 */
import { invalidArgument } from '../core/errors.js';
import type { HashIndex, IndexMatch } from './hamming-index.js';
import { checkId } from './segmented-index.js';

const EMPTY = 0;
const FULL = 1;
const DELETED = 2;
const MAX_LOAD = 0.7;

export class ExactSet implements HashIndex {
  private capacity = 0;
  private keys = new Uint8Array(0);
  private ids = new Uint32Array(0);
  private seqs = new Uint32Array(0);
  private state = new Uint8Array(0);
  private used = 0; // FULL + DELETED slots
  private stored = 0; // FULL slots
  private seq = 1;
  private readonly tombstones = new Map<number, number>();

  /** `width`: digest length in bytes (16 md5, 20 sha1, 32 sha256). */
  constructor(readonly width: number) {
    if (!Number.isInteger(width) || width < 4 || width > 64)
      throw invalidArgument('a digest width from 4 to 64 bytes', 'ExactSet', width);
    this.resize(16);
  }

  /** Entries held, including removed ones not yet swept. */
  get entries(): number {
    return this.stored;
  }

  add(id: number, hash: Uint8Array): void {
    checkId(id);
    this.check(hash);
    if (this.seq === 0xffffffff) this.sweep(true);
    if ((this.used + 1) / this.capacity > MAX_LOAD)
      this.resize(this.stored + 1 > (this.capacity * MAX_LOAD) / 2 ? this.capacity * 2 : this.capacity);
    let slot = this.home(hash);
    while (this.state[slot] === FULL) slot = (slot + 1) & (this.capacity - 1);
    if (this.state[slot] === EMPTY) this.used++;
    this.state[slot] = FULL;
    this.keys.set(hash, slot * this.width);
    this.ids[slot] = id;
    this.seqs[slot] = this.seq++;
    this.stored++;
  }

  remove(id: number): void {
    checkId(id);
    this.tombstones.set(id, this.seq++);
    if (this.tombstones.size * 8 > this.stored) this.sweep(false);
  }

  /** Ids of the entries whose digest equals `hash`. */
  lookup(hash: Uint8Array): number[] {
    this.check(hash);
    const out: number[] = [];
    for (let slot = this.home(hash); this.state[slot] !== EMPTY; slot = (slot + 1) & (this.capacity - 1)) {
      if (this.state[slot] === FULL && this.equals(slot, hash) && this.visible(slot)) out.push(this.ids[slot]!);
    }
    return out;
  }

  has(hash: Uint8Array): boolean {
    return this.lookup(hash).length > 0;
  }

  /** The HashIndex form of lookup: digests match exactly or not at all, so the radius is ignored. */
  search(query: Uint8Array, _radius: number): IndexMatch[] {
    return this.lookup(query).map((id) => ({ id, distance: 0 }));
  }

  private check(hash: Uint8Array): void {
    if (!(hash instanceof Uint8Array) || hash.length !== this.width) {
      throw invalidArgument(
        `a ${this.width}-byte Uint8Array`,
        'the digest',
        hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash,
      );
    }
  }

  private home(hash: Uint8Array): number {
    const h = (hash[0]! | (hash[1]! << 8) | (hash[2]! << 16) | (hash[3]! << 24)) ^ (hash[this.width - 1]! << 7);
    return (Math.imul(h, 0x9e3779b1) >>> 0) & (this.capacity - 1);
  }

  private equals(slot: number, hash: Uint8Array): boolean {
    const at = slot * this.width;
    for (let i = 0; i < this.width; i++) if (this.keys[at + i] !== hash[i]) return false;
    return true;
  }

  private visible(slot: number): boolean {
    const t = this.tombstones.get(this.ids[slot]!);
    return t === undefined || this.seqs[slot]! > t;
  }

  /** Drops removed entries; `renumber` also restarts sequence numbers before they run out. */
  private sweep(renumber: boolean): void {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.state[slot] === FULL && !this.visible(slot)) {
        this.state[slot] = DELETED;
        this.stored--;
      }
    }
    this.tombstones.clear();
    if (renumber) {
      this.seq = 1;
      for (let slot = 0; slot < this.capacity; slot++) if (this.state[slot] === FULL) this.seqs[slot] = this.seq++;
    }
    this.resize(this.capacity);
  }

  /** Rehashes into `capacity` slots (a power of two), leaving deleted slots behind. */
  private resize(capacity: number): void {
    const old = { keys: this.keys, ids: this.ids, seqs: this.seqs, state: this.state, capacity: this.capacity };
    this.capacity = capacity;
    this.keys = new Uint8Array(capacity * this.width);
    this.ids = new Uint32Array(capacity);
    this.seqs = new Uint32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.used = 0;
    for (let s = 0; s < old.capacity; s++) {
      if (old.state[s] !== FULL) continue;
      const key = old.keys.subarray(s * this.width, (s + 1) * this.width);
      let slot = this.home(key);
      while (this.state[slot] === FULL) slot = (slot + 1) & (capacity - 1);
      this.state[slot] = FULL;
      this.keys.set(key, slot * this.width);
      this.ids[slot] = old.ids[s]!;
      this.seqs[slot] = old.seqs[s]!;
      this.used++;
    }
  }
}
