// conga_passwd: set a conga (web page) user's password and role; the password is read from stdin.
// The running daemon stores it (scrypt) in the cluster's replicated state, so every node knows it.
import { ApiError, ConnectError, requestOnce } from '../api/index.js';
import { isRole, type Role } from '../conga/users.js';
import '../conga/api.js';

const USAGE = `Usage: conga_passwd [--run-dir DIR] USER [--role viewer|operator|admin]
       conga_passwd [--run-dir DIR] --delete USER
       conga_passwd [--run-dir DIR] --list

Sets USER's password for the cluster's web page (conga) and its role (default: the user's current
role, or viewer for a new user). The password is read from stdin (one line; from a terminal it is
asked for without echo). It is stored as an scrypt hash in the cluster's replicated state, so it
works on every node; the cluster must be quorate.

Roles: viewer sees; operator also acts on services; admin also edits the configuration, fences
nodes and manages users.

  --run-dir DIR   the daemon's run dir (default $CLUSTER_RUN_DIR or /var/run/cluster)
  --role ROLE     viewer, operator or admin
  --delete USER   remove USER
  --list          list users and roles
  -h, --help      this help

Exit status: 0 done; 1 bad usage or refused; 2 the daemon is not running.
`;

function die(msg: string, code = 1): never {
  process.stderr.write(`conga_passwd: ${msg}\n`);
  process.exit(code);
}

async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('Password: ');
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    let pw = '';
    return new Promise((resolve) => {
      const onData = (ch: string) => {
        for (const c of ch) {
          if (c === '\r' || c === '\n') { stdin.setRawMode(false); stdin.off('data', onData); stdin.pause(); process.stderr.write('\n'); resolve(pw); return; }
          if (c === '\u0003') { stdin.setRawMode(false); process.stderr.write('\n'); process.exit(1); }
          if (c === '\u007f') pw = pw.slice(0, -1); else pw += c;
        }
      };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stdin) {
    size += (c as Buffer).length;
    if (size > 4096) die('password on stdin is too long');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]!.replace(/\r$/, '');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let runDir: string | undefined; let role: Role | undefined; let user: string | undefined; let del = false; let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => argv[++i] ?? die(`option ${a} needs a value`);
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return; }
    else if (a === '--run-dir') runDir = val();
    else if (a === '--role') { const r = val(); if (!isRole(r)) die(`--role: '${r}' is not viewer, operator or admin`); role = r; }
    else if (a === '--delete') { del = true; user = val(); }
    else if (a === '--list') list = true;
    else if (a.startsWith('-')) die(`unknown option ${a}\n${USAGE.split('\n')[0]}`);
    else if (user === undefined) user = a;
    else die(`unexpected argument ${a}`);
  }
  const opts = { ...(runDir !== undefined ? { runDir } : {}) };
  try {
    if (list) {
      const r = await requestOnce('conga.users', {}, opts);
      for (const u of r.users) process.stdout.write(`${u.name.padEnd(24)} ${u.role}\n`);
      return;
    }
    if (user === undefined) die(`a USER is needed\n${USAGE.split('\n')[0]}`);
    if (del) {
      await requestOnce('conga.deleteUser', { name: user }, opts);
      process.stdout.write(`conga user ${user} deleted\n`);
      return;
    }
    if (role === undefined) {
      const r = await requestOnce('conga.users', {}, opts);
      role = r.users.find((u) => u.name === user)?.role ?? 'viewer';
    }
    const password = await readPassword();
    if (password === '') die('empty password');
    const r = await requestOnce('conga.setUser', { name: user, role, password }, opts);
    process.stdout.write(`conga user ${r.name} ${r.created ? 'created' : 'updated'} (role ${r.role})\n`);
  } catch (err) {
    if (err instanceof ConnectError) die(`the cluster daemon is not running (${err.message})`, 2);
    if (err instanceof ApiError) die(err.code === 'ENOSYS' ? 'this daemon has no web page module' : err.message);
    throw err;
  }
}

await main();
