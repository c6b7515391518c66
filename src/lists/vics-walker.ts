import Assembler from 'stream-json/assembler.js';
import type { Token } from 'stream-json/parser.js';
import { AppError } from '../core/errors.js';

export type { Token };
export type VicsRecord = Record<string, unknown>;

type Role = 'root' | 'values' | 'top' | 'media';

interface Frame {
  role: Role;
  array: boolean;
  key: string | null;
}

const CONTEXT_KEYS = new Set(['@odata.context', 'odata.metadata']);
const SCALARS = new Set<Token['name']>(['stringValue', 'numberValue', 'nullValue', 'trueValue', 'falseValue']);

/**
 * Finds the Media records of a VICS document in a token stream, holding one record at a time.
 * Two shapes exist: a hash set lists Media records directly under `value`
 * (`{"@odata.context": "…#Media", "value": [{MediaID, MD5, …}]}`), a case export lists cases
 * whose `Media` arrays hold them (`{"odata.metadata": "…#Cases", "value": [{CaseID, Media: […]}]}`).
 * An item of `value` is held (without its Media array) until it ends; if it had no Media array
 * it was itself a record. Everything else is skipped without being built.
 */
export class VicsWalker {
  context: string | null = null;
  sawValue = false;
  private readonly frames: Frame[] = [];
  private asm: Assembler | null = null;
  private onAssembled: ((value: unknown) => void) | null = null;
  private skipDepth = 0;
  private top: VicsRecord | null = null;
  private topHadMedia = false;

  /** Feeds one token; records it completes are appended to `out`. */
  push(token: Token, out: VicsRecord[]): void {
    if (this.asm !== null) {
      this.asm.consume(token);
      if (this.asm.done) {
        const value = this.asm.current;
        const done = this.onAssembled;
        this.asm = this.onAssembled = null;
        done?.(value);
      }
      return;
    }
    const { name } = token;
    if (name === 'startObject' || name === 'startArray') {
      if (this.skipDepth > 0) this.skipDepth++;
      else this.value(token, out);
    } else if (name === 'endObject' || name === 'endArray') {
      if (this.skipDepth > 0) this.skipDepth--;
      else this.end(out);
    } else if (this.skipDepth > 0) {
      return;
    } else if (name === 'keyValue') {
      const frame = this.frames.at(-1);
      if (frame) frame.key = token.value;
    } else if (SCALARS.has(name)) {
      this.value(token, out);
    }
  }

  private end(out: VicsRecord[]): void {
    const frame = this.frames.pop();
    if (frame?.role !== 'top' || this.top === null) return;
    if (!this.topHadMedia) out.push(this.top);
    this.top = null;
  }

  private value(token: Token, out: VicsRecord[]): void {
    const parent = this.frames.at(-1);
    const array = token.name === 'startArray';
    const opens = array || token.name === 'startObject';
    if (parent === undefined) {
      if (token.name !== 'startObject')
        throw new AppError('list_invalid', 'Expected a VICS document to be a JSON object');
      this.frames.push({ role: 'root', array: false, key: null });
      return;
    }
    const key = parent.array ? null : parent.key;
    switch (parent.role) {
      case 'root':
        if (key !== null && CONTEXT_KEYS.has(key) && token.name === 'stringValue') this.context = token.value;
        if (key === 'value' && opens) {
          this.sawValue = true;
          // A single case may be written as an object instead of a one-element array.
          if (array) this.frames.push({ role: 'values', array: true, key: null });
          else this.openTop();
          return;
        }
        break;
      case 'values':
        if (token.name === 'startObject') return this.openTop();
        break;
      case 'top': {
        const top = this.top;
        if (key === null || top === null) break;
        if (array && key.toLowerCase() === 'media') {
          this.topHadMedia = true;
          this.frames.push({ role: 'media', array: true, key: null });
          return;
        }
        if (opens) return this.assemble(token, (v) => (top[key] = v));
        top[key] = scalar(token);
        return;
      }
      case 'media':
        if (token.name === 'startObject') return this.assemble(token, (v) => out.push(v as VicsRecord));
        break;
    }
    if (opens) this.skipDepth = 1;
  }

  private openTop(): void {
    this.top = {};
    this.topHadMedia = false;
    this.frames.push({ role: 'top', array: false, key: null });
  }

  private assemble(token: Token, onAssembled: (value: unknown) => void): void {
    // Numbers as strings: MediaIDs can exceed 2^53 and categories are codes, not quantities.
    this.asm = new Assembler({ numberAsString: true });
    this.onAssembled = onAssembled;
    this.asm.consume(token);
  }
}

function scalar(token: Token): unknown {
  return 'value' in token ? token.value : null;
}
