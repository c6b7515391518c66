/** The HTTP calls the benchmark makes, as a client would. */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';

export class Client {
  constructor(
    readonly base: string,
    private readonly key: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...headers },
    };
    if (body instanceof FormData) init.body = body;
    else if (body instanceof ReadableStream) Object.assign(init, { body, duplex: 'half' });
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(`${this.base}${path}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  withKey(key: string): Client {
    return new Client(this.base, key);
  }

  /** Creates a list and streams a list file into it; resolves when the import has committed. */
  async importList(name: string, csvPath: string): Promise<{ listId: number; imported: number }> {
    const { id } = await this.call<{ id: number }>('POST', '/v1/lists', { name, source: 'bench', kind: 'block' });
    const body = Readable.toWeb(createReadStream(csvPath)) as ReadableStream;
    const r = await this.call<{ imported: number }>('POST', `/v1/lists/${id}/entries?format=tiphash-csv`, body, {
      'content-type': 'text/csv',
    });
    return { listId: id, imported: r.imported };
  }

  /** Submits files as multipart batches of `per` files; returns the batch ids. */
  async submitUploads(paths: string[], per: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < paths.length; i += per) {
      const form = new FormData();
      form.append('caseRef', `bench-${i / per + 1}`);
      for (const p of paths.slice(i, i + per)) form.append('file', new Blob([await readFile(p)]), basename(p));
      ids.push((await this.call<{ id: number }>('POST', '/v1/batches', form)).id);
    }
    return ids;
  }

  async batchDone(id: number): Promise<{ done: boolean; counts: Record<string, number> }> {
    const b = await this.call<{ status: string; counts: Record<string, number> }>('GET', `/v1/batches/${id}`);
    return { done: b.status === 'done', counts: b.counts };
  }
}
