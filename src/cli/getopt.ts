// POSIX getopt(3) for the RHCS commands that use it (clustat "fIls:m:i:xvQh?", clusvcadm
// "lSue:M:d:r:n:c:m:FvR:s:Z:U:qh?"): clustered short flags (-xl), attached or separate values
// (-sweb / -s web), "--" ends the options; operands may appear anywhere (glibc permutes them).

export interface GetoptOption {
  readonly flag: string;
  /** The value of an option declared with ':'; undefined for plain flags. */
  readonly value: string | undefined;
}

export type GetoptResult =
  | { readonly ok: true; readonly options: readonly GetoptOption[]; readonly operands: readonly string[] }
  | { readonly ok: false; readonly message: string };

/** Parse argv (without node and script) against a getopt spec string. */
export function getopt(argv: readonly string[], spec: string): GetoptResult {
  const takesValue = new Map<string, boolean>();
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === ':') continue;
    takesValue.set(c, spec[i + 1] === ':');
  }
  const options: GetoptOption[] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { operands.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { operands.push(a); continue; }
    if (a.startsWith('--')) {
      // Long options the RHCS tools lack; --help is accepted everywhere in this suite.
      if (a === '--help') { options.push({ flag: 'h', value: undefined }); continue; }
      return { ok: false, message: `unrecognized option '${a}'` };
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const tv = takesValue.get(c);
      if (tv === undefined) return { ok: false, message: `invalid option -- '${c}'` };
      if (!tv) { options.push({ flag: c, value: undefined }); continue; }
      let value = a.slice(j + 1);
      if (value === '') {
        const next = argv[i + 1];
        if (next === undefined) return { ok: false, message: `option requires an argument -- '${c}'` };
        value = next;
        i++;
      }
      options.push({ flag: c, value });
      break;
    }
  }
  return { ok: true, options, operands };
}
