import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DISPOSABLE_STACK_ENV, startStack, type Stack } from '@shopcart/stack';
import { auditServer } from 'graphql-http';

/**
 * `npm run audit`: a freshly started stack (its own stores on free ports,
 * every subgraph and the router as separate processes, as `npm start` runs
 * them), attacked the way the external audit did: graphql-http's
 * GraphQL-over-HTTP server audit, then one probe per finding the audit
 * reported. Prints a table; exits non-zero when a probe fails.
 */

interface Probe {
  finding: string;
  expected: string;
  run(): Promise<{ observed: string; ok: boolean }>;
}

const log = (line: string) => process.stderr.write(`[audit] ${line}\n`);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let stack: Stack;
let clientSeq = 0;
/** Each probe speaks from addresses of its own (the stack trusts one proxy hop), so one probe's limits do not touch another's. */
const newClient = () => `203.0.113.${(clientSeq += 1)}`;

async function post(body: unknown, options: { token?: string; client?: string } = {}): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(stack.routerUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': options.client ?? newClient(),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, ms: performance.now() - started };
}

const gql = (query: string, variables?: Record<string, unknown>, options?: { token?: string; client?: string }) => post({ query, variables }, options);
const codeOf = (r: { body: any }) => (r.body.errors?.[0]?.extensions?.code as string | undefined) ?? 'none';
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function signIn(email: string, password: string, client = newClient()) {
  const r = await gql('mutation($i: LoginInput!) { login(input: $i) { user { id } accessToken refreshToken } }', { i: { email, password } }, { client });
  return r.body.data?.login as { user: { id: string }; accessToken: string; refreshToken: string } | undefined;
}

async function newCustomer(tag: string) {
  const email = `${tag}-${Date.now()}@audit.example`;
  const r = await gql('mutation($i: RegisterInput!) { register(input: $i) { user { id } accessToken refreshToken } }', { i: { email, password: 'an audit password 1', name: 'Audit' } });
  return { email, ...(r.body.data.register as { user: { id: string }; accessToken: string; refreshToken: string }) };
}

const probes: Probe[] = [
  {
    finding: '1 (high) long search word',
    expected: '100 KB products(query:) refused with BAD_USER_INPUT, products RSS grows < 50 MiB',
    async run() {
      const pid = stack.process('products').child.pid!;
      const before = rssMiB(pid);
      const r = await gql('query($q: String!) { products(query: $q, first: 5) { totalCount } }', { q: 'a'.repeat(100_000) });
      const grown = rssMiB(pid) - before;
      return { observed: `HTTP ${r.status} ${codeOf(r)} in ${r.ms.toFixed(0)} ms, RSS +${grown.toFixed(0)} MiB`, ok: codeOf(r) === 'BAD_USER_INPUT' && grown < 50 };
    },
  },
  {
    finding: '2 (high) persisted queries fill Redis',
    expected: 'a 20 KB document is served, not kept; a client keeps at most its quota',
    async run() {
      const big = `query Big { products(query: "x", first: 1) { totalCount } categories { name } } # ${'y'.repeat(20_000)}`;
      const persisted = (q: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(q) } });
      const client = newClient();
      const served = await post({ query: big, extensions: persisted(big) }, { client });
      const kept = await post({ extensions: persisted(big) }, { client });
      // The stack keeps 5 registrations per client and hour: the 6th and later are served only.
      const queries = Array.from({ length: 7 }, (_, i) => `query Q${i} { categories { name } }`);
      for (const q of queries) await post({ query: q, extensions: persisted(q) }, { client });
      const found = await Promise.all(queries.map(async (q) => codeOf(await post({ extensions: persisted(q) }, { client })) !== 'PERSISTED_QUERY_NOT_FOUND'));
      const keptCount = found.filter(Boolean).length;
      return { observed: `big: HTTP ${served.status}, then by hash ${codeOf(kept)}; ${keptCount} of 7 small ones kept`, ok: served.status === 200 && codeOf(kept) === 'PERSISTED_QUERY_NOT_FOUND' && keptCount === 5 };
    },
  },
  {
    finding: '3 (medium) demotion and sign-out wait for token expiry',
    expected: "a demoted admin's and a signed-out token are refused on the next request",
    async run() {
      const admin = (await signIn('admin@shopcart.dev', 'shopcart-admin'))!;
      const staff = await newCustomer('demoted');
      await gql('mutation($u: ID!) { setUserRole(userId: $u, role: ADMIN) { user { role } } }', { u: staff.user.id }, { token: admin.accessToken });
      const asAdmin = (await signIn(staff.email, 'an audit password 1'))!;
      await gql('mutation($u: ID!) { setUserRole(userId: $u, role: CUSTOMER) { user { role } } }', { u: staff.user.id }, { token: admin.accessToken });
      const demoted = await gql('{ users(first: 1) { totalCount } }', {}, { token: asAdmin.accessToken });
      const other = await newCustomer('signout');
      await gql('mutation($t: String!) { logout(refreshToken: $t) }', { t: other.refreshToken }, { token: other.accessToken });
      const signedOut = await gql('{ me { id } }', {}, { token: other.accessToken });
      return { observed: `demoted: ${codeOf(demoted)}; signed out: ${codeOf(signedOut)}`, ok: codeOf(demoted) === 'UNAUTHENTICATED' && codeOf(signedOut) === 'UNAUTHENTICATED' };
    },
  },
  {
    finding: '4 (medium) anyone can lock any account',
    expected: "5 wrong passwords from one client do not lock the owner out elsewhere; the attacker gets 429 RATE_LIMITED",
    async run() {
      const attacker = newClient();
      for (let i = 0; i < 5; i += 1) await gql('mutation { login(input: { email: "admin@shopcart.dev", password: "wrong password!" }) { accessToken } }', {}, { client: attacker });
      const sixth = await gql('mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken } }', {}, { client: attacker });
      const owner = await signIn('admin@shopcart.dev', 'shopcart-admin');
      return { observed: `attacker's 6th: HTTP ${sixth.status} ${codeOf(sixth)}; owner elsewhere: ${owner ? 'signed in' : 'refused'}`, ok: sixth.status === 429 && codeOf(sixth) === 'RATE_LIMITED' && Boolean(owner) };
    },
  },
  {
    finding: '5 (medium) public metrics with client-chosen labels',
    expected: '/metrics 404 on the public port; series bounded after 200 operation names and 200 paths',
    async run() {
      const publicPort = await fetch(stack.routerUrl.replace('/graphql', '/metrics'));
      const metricsUrl = stack.metricsUrls.router!;
      const count = async () => (await (await fetch(metricsUrl)).text()).split('\n').filter((line) => line && !line.startsWith('#')).length;
      const before = await count();
      for (let i = 0; i < 200; i += 1) await post({ query: `query Probe${i} { categories { name } }`, operationName: `Probe${i}` });
      for (let i = 0; i < 200; i += 1) await fetch(stack.routerUrl.replace('/graphql', `/unknown-${i}`));
      const after = await count();
      return { observed: `public /metrics: ${publicPort.status}; series ${before} -> ${after}`, ok: publicPort.status === 404 && after - before < 1_500 };
    },
  },
  {
    finding: '6 (low) registration tells whether an email exists',
    expected: 'accepted and documented (README); register is rate limited per client',
    async run() {
      const client = newClient();
      const taken = await gql('mutation { register(input: { email: "admin@shopcart.dev", password: "an audit password 1", name: "X" }) { userErrors { code } } }', {}, { client });
      return { observed: `EMAIL_TAKEN answered: ${JSON.stringify(taken.body.data?.register?.userErrors?.map((e: { code: string }) => e.code))}`, ok: true };
    },
  },
  {
    finding: '7 (low) client mistakes answered as server errors',
    expected: 'subscription, two operations without a name, APQ hash mismatch: each HTTP 400 with its code',
    async run() {
      const subscription = await gql('subscription { __typename }');
      const two = await post({ query: 'query A { __typename } query B { __typename }' });
      const mismatch = await post({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ other }') } } });
      const seen = [subscription, two, mismatch].map((r) => `${r.status} ${codeOf(r)}`);
      return { observed: seen.join('; '), ok: [subscription, two, mismatch].every((r) => r.status === 400 && codeOf(r) !== 'INTERNAL_SERVER_ERROR' && codeOf(r) !== 'none') };
    },
  },
  {
    finding: '8 (low) staff user search without a length cap',
    expected: '100 KB users(query:) refused with BAD_USER_INPUT at once',
    async run() {
      const admin = (await signIn('admin@shopcart.dev', 'shopcart-admin'))!;
      const r = await gql('query($q: String!) { users(query: $q, first: 5) { totalCount } }', { q: 'a'.repeat(100_000) }, { token: admin.accessToken });
      return { observed: `HTTP ${r.status} ${codeOf(r)} in ${r.ms.toFixed(0)} ms`, ok: codeOf(r) === 'BAD_USER_INPUT' && r.ms < 2_000 };
    },
  },
  {
    finding: '9 (low) parallel refreshes sign the user out',
    expected: '8 parallel refreshes of one token all succeed with one successor; the user stays signed in',
    async run() {
      const user = await newCustomer('tabs');
      const client = newClient();
      const results = await Promise.all(Array.from({ length: 8 }, () => gql('mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken userErrors { code } } }', { t: user.refreshToken }, { client })));
      const tokens = new Set(results.map((r) => r.body.data?.refreshToken?.refreshToken).filter(Boolean));
      const me = await gql('{ me { id } }', {}, { token: results[0]!.body.data?.refreshToken?.accessToken });
      return { observed: `${results.filter((r) => r.body.data?.refreshToken?.accessToken).length} of 8 succeeded, ${tokens.size} successor(s), me: ${me.body.data?.me ? 'signed in' : codeOf(me)}`, ok: tokens.size === 1 && Boolean(me.body.data?.me) };
    },
  },
  {
    finding: '10 (low) control, bidi and zero-width characters in text',
    expected: 'NUL, U+202E and U+200B in an address line each refused, nothing stored',
    async run() {
      const user = await newCustomer('address');
      const add = (line1: string) =>
        gql('mutation($a: AddressInput!) { addAddress(input: $a) { address { id } userErrors { code } } }', { a: { fullName: 'A B', line1, city: 'Berlin', postalCode: '10115', countryCode: 'DE' } }, { token: user.accessToken });
      const answers = await Promise.all(['1 Main\u0000St', '1 Main \u202eTS', '1 Ma\u200bin St'].map(async (line) => (await add(line)).body.data?.addAddress?.userErrors?.[0]?.code ?? 'accepted'));
      const stored = await gql('{ me { addresses { id } } }', {}, { token: user.accessToken });
      const count = stored.body.data?.me?.addresses?.length ?? -1;
      return { observed: `${answers.join(', ')}; ${count} stored`, ok: answers.every((code) => code !== 'accepted') && count === 0 };
    },
  },
];

async function main(): Promise<number> {
  log('starting a fresh stack');
  stack = await startStack({
    stores: { appendonly: false, durable: false },
    seedProducts: 200,
    env: DISPOSABLE_STACK_ENV,
    routerEnv: { TRUST_PROXY_HOPS: '1', APQ_REGISTRATIONS_PER_CLIENT: '5' },
    stopGraceMs: 5_000,
  });
  try {
    log('graphql-http server audit');
    const audits = await auditServer({ url: stack.routerUrl });
    const by = (status: string) => audits.filter((a) => a.status === status);
    const rows: string[] = [];
    for (const probe of probes) {
      log(`probe ${probe.finding}`);
      const result = await probe.run().catch((err: unknown) => ({ observed: `probe failed: ${err instanceof Error ? err.message : String(err)}`, ok: false }));
      rows.push(`| ${probe.finding} | ${probe.expected} | ${result.observed} | ${result.ok ? 'yes' : '**no**'} |`);
    }
    const failed = rows.filter((row) => row.endsWith('**no** |')).length;
    const lines = [
      '## GraphQL over HTTP server audit (graphql-http)',
      '',
      `${by('ok').length} ok, ${by('warn').length} warnings, ${by('error').length} errors of ${audits.length}.`,
      ...[...by('warn'), ...by('error')].map((a) => `- ${a.status}: ${a.name}${'reason' in a ? ` (${String(a.reason).slice(0, 160)})` : ''}`),
      '',
      '## Probes, one per finding of the audit',
      '',
      '| finding | expected | observed | held |',
      '|---|---|---|---|',
      ...rows,
      '',
      `${probes.length - failed} of ${probes.length} probes held; ${by('error').length} server audit errors.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return failed > 0 || by('error').length > 0 ? 1 : 0;
  } finally {
    await stack.close();
  }
}

process.exitCode = await main().catch((err: unknown) => {
  log(`audit failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
