import { ALGORITHMS } from '../core/algorithms.js';
import { AppError, invalidArgument } from '../core/errors.js';
import { isHashAlgo } from '../core/hash.js';
import type { RejectedLine } from '../core/match.js';
import { isListFormat, LIST_FORMATS } from '../lists/format.js';
import { importRecords } from '../lists/import-records.js';
import { openList } from '../lists/read.js';
import {
  createList,
  getList,
  getListByName,
  importListVersion,
  listLists,
  listVersions,
  type Db,
  type HashList,
  type Thresholds,
} from '../store/index.js';
import { parse } from './args.js';
import { cliActor, openConfiguredStore, table, withStore, type OpenStore } from './store-command.js';

const HELP = `Usage: tiphash lists create --name NAME --source SOURCE [--kind block|allow] [--dihedral] [--threshold ALGO=N]...
       tiphash lists import LIST FILE [--format FORMAT]
       tiphash lists ls

Manages hash lists in the store the settings name; workers pick changes up without a restart.
LIST is a list's id or name. FILE may be gzipped; its format is detected unless given
(${LIST_FORMATS.join(', ')}). Each import is a new version; matches keep theirs.`;

const SHOWN_REJECTIONS = 20;

function thresholds(specs: string[]): Thresholds {
  const out: Thresholds = {};
  for (const spec of specs) {
    const [algo = '', value = ''] = spec.split('=');
    const n = Number(value);
    if (
      !isHashAlgo(algo) ||
      ALGORITHMS[algo].compare !== 'hamming' ||
      !Number.isInteger(n) ||
      n < 0 ||
      n > ALGORITHMS[algo].bits
    ) {
      throw invalidArgument(
        'ALGO=N with a Hamming algorithm (pdq, blockhash, vpdq) and 0 ≤ N ≤ 256',
        '--threshold',
        spec,
      );
    }
    out[algo] = n;
  }
  return out;
}

async function findList(db: Db, ref: string): Promise<HashList> {
  const list = /^\d+$/.test(ref) ? await getList(db, Number(ref)) : await getListByName(db, ref);
  if (!list) throw new AppError('not_found', `No hash list ${JSON.stringify(ref)}`);
  return list;
}

export async function listsCommand(argv: string[], open: OpenStore = openConfiguredStore): Promise<number> {
  const { values, positionals } = parse(argv, {
    name: { type: 'string' },
    source: { type: 'string' },
    kind: { type: 'string' },
    dihedral: { type: 'boolean' },
    threshold: { type: 'string', multiple: true },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const [sub, ...args] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HELP + '\n');
    return values.help ? 0 : 2;
  }
  switch (sub) {
    case 'create': {
      const { name, source } = values;
      const kind = values.kind ?? 'block';
      if (!name) throw invalidArgument('a list name', '--name', 'nothing');
      if (!source) throw invalidArgument('who supplies the list', '--source', 'nothing');
      if (kind !== 'block' && kind !== 'allow') throw invalidArgument('block or allow', '--kind', kind);
      const list = await withStore(open, (db) =>
        createList(db, {
          name,
          source,
          kind,
          dihedral: values.dihedral === true,
          thresholds: thresholds(values.threshold ?? []),
          createdBy: cliActor(),
        }),
      );
      process.stdout.write(`${list.id}\n`);
      return 0;
    }
    case 'import': {
      const [ref, file] = args;
      if (ref === undefined || file === undefined)
        throw invalidArgument('LIST FILE', 'tiphash lists import', args.join(' ') || 'nothing');
      const { format } = values;
      if (format !== undefined && !isListFormat(format))
        throw invalidArgument(`one of ${LIST_FORMATS.join(', ')}`, '--format', format);
      const rejected: RejectedLine[] = [];
      const result = await withStore(open, async (db) => {
        const list = await findList(db, ref);
        const opened = await openList(file, format === undefined ? {} : { format });
        const imported = await importListVersion(db, {
          listId: list.id,
          importedBy: cliActor(),
          format: opened.format,
          records: importRecords(opened.items, rejected, SHOWN_REJECTIONS),
        });
        return { ...imported, name: list.name, format: opened.format };
      });
      for (const r of rejected) process.stderr.write(`  line ${r.line}: ${r.reason}\n`);
      if (result.rejected > rejected.length)
        process.stderr.write(`  … and ${result.rejected - rejected.length} more rejected lines\n`);
      process.stdout.write(
        `Imported ${result.entries} entries into ${result.name} as version ${result.version} (${result.format}); ${result.rejected} lines rejected\n`,
      );
      return 0;
    }
    case 'ls': {
      const rows = await withStore(open, async (db) =>
        Promise.all(
          (await listLists(db)).map(async (l) => {
            const current = (await listVersions(db, l.id)).find((v) => v.version === l.currentVersion);
            return [
              l.id,
              l.name,
              l.kind,
              l.enabled ? 'yes' : 'no',
              l.source,
              l.currentVersion,
              current?.entries ?? null,
              current?.importedAt.toISOString() ?? null,
              current?.importedBy ?? null,
            ];
          }),
        ),
      );
      process.stdout.write(
        table(['ID', 'NAME', 'KIND', 'ENABLED', 'SOURCE', 'VERSION', 'ENTRIES', 'IMPORTED', 'BY'], rows),
      );
      return 0;
    }
    default:
      throw invalidArgument('create, import or ls', 'the lists subcommand', sub);
  }
}
