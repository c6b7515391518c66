import { invalidArgument, AppError } from '../core/errors.js';
import { createApiKey, listApiKeys, revokeApiKey, ROLES, type Role } from '../store/index.js';
import { parse, positiveInt } from './args.js';
import { cliActor, openConfiguredStore, table, withStore, type OpenStore } from './store-command.js';

const HELP = `Usage: tiphash keys create --role ROLE --name NAME
       tiphash keys list
       tiphash keys revoke ID

Manages API keys in the store the settings name (DATABASE_URL, else the embedded database
under TIPHASH_DATA_DIR). \`create\` prints only the new key on stdout: it is shown this once
and stored hashed. Roles: ${ROLES.join(', ')}.`;

function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export async function keysCommand(argv: string[], open: OpenStore = openConfiguredStore): Promise<number> {
  const { values, positionals } = parse(argv, {
    role: { type: 'string' },
    name: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const [sub, ...args] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HELP + '\n');
    return values.help ? 0 : 2;
  }
  switch (sub) {
    case 'create': {
      const { role, name } = values;
      if (role === undefined || !isRole(role))
        throw invalidArgument(`one of ${ROLES.join(', ')}`, '--role', role ?? 'nothing');
      if (name === undefined || name.trim() === '') throw invalidArgument('a name', '--name', name ?? 'nothing');
      const key = await withStore(open, (db) => createApiKey(db, { role, name, createdBy: cliActor() }));
      process.stdout.write(`${key.key}\n`);
      process.stderr.write(
        `Created ${role} key ${key.id} (${key.prefix}…) named ${JSON.stringify(name)}; it is not shown again.\n`,
      );
      return 0;
    }
    case 'list': {
      const keys = await withStore(open, (db) => listApiKeys(db));
      process.stdout.write(
        table(
          ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'REVOKED'],
          keys.map((k) => [
            k.id,
            k.name,
            k.role,
            k.prefix,
            k.createdAt.toISOString(),
            k.revokedAt?.toISOString() ?? null,
          ]),
        ),
      );
      return 0;
    }
    case 'revoke': {
      if (args[0] === undefined) throw invalidArgument('a key id', 'tiphash keys revoke', 'nothing');
      const id = positiveInt(args[0], 'the key id', 0);
      const revoked = await withStore(open, (db) => revokeApiKey(db, id, cliActor()));
      if (!revoked) throw new AppError('not_found', `No active API key with id ${id}`);
      process.stderr.write(`Revoked key ${id}.\n`);
      return 0;
    }
    default:
      throw invalidArgument('create, list or revoke', 'the keys subcommand', sub);
  }
}
