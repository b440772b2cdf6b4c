import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Rules that hold docker-compose.yml to the code's own configuration: the env
 * schemas, default ports and subgraph list. Each rule returns the problems it
 * finds, so a test can show both that the file passes and that a broken copy fails.
 */

/** The part of a zod object schema the rules read. */
export interface EnvSchema {
  shape: Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>;
}

/** What the code says about one service that compose runs from the Dockerfile. */
export interface ServiceSpec {
  name: string;
  /** The default PORT of its env schema. */
  port: number;
  schema: EnvSchema;
  /** The service's own loader; throws on a configuration it would refuse at start-up. */
  load: (env: Record<string, string>) => unknown;
  /** Variables it reads outside its schema, e.g. the router's <NAME>_URL overrides. */
  extraVariables?: string[];
  /** Values it must be given, e.g. USERS_URL pointing at the users container. */
  expectedValues?: Record<string, string>;
}

export interface ComposeService {
  build?: { context?: string; dockerfile?: string; args?: Record<string, string | number> };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target?: number; published?: number | string }>;
  expose?: Array<string | number>;
  deploy?: { replicas?: number | string };
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
}

export interface ComposeCheck {
  /** The file's text and its parsed form. */
  text: string;
  compose: { services?: Record<string, ComposeService> };
  specs: ServiceSpec[];
  /** Sample values for the variables the operator provides. */
  variables: Record<string, string>;
  /** The repository root, where build contexts and WORKSPACE folders are resolved. */
  root: string;
}

/** Variables every process may be given that no schema lists: read by the runtime, not the service's loader. */
const PLATFORM_VARIABLES = ['APOLLO_TELEMETRY_DISABLED', 'NODE_OPTIONS'];
const SECRET_NAME = /(KEY|SECRET|PASSWORD|CREDENTIALS?)$/;
const REQUIRED_REFERENCE = /^\$\{([A-Z0-9_]+):\?[^}]*\}$/;

export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** Compose's ${VAR}, ${VAR:?err}, ${VAR?err}, ${VAR:-default}, ${VAR-default} and $$. */
export function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}/g, (_match, name: string | undefined, op: string | undefined, arg: string) => {
    if (!name) return '$';
    const set = variables[name];
    const missing = op?.startsWith(':') ? !set : set === undefined;
    if (!missing) return set!;
    if (op?.endsWith('?')) throw new Error(`required variable ${name} has no sample value (${arg})`);
    return op?.endsWith('-') ? arg : '';
  });
}

function portsOf(service: ComposeService): Array<{ published: number; target: number }> {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return { published: Number(port.published), target: Number(port.target) };
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.at(-1));
    return { published: parts.length > 1 ? Number(parts.at(-2)) : Number.NaN, target };
  });
}

function healthTest(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

function hostOf(value: string): string | undefined {
  try {
    return new URL(value).hostname || undefined;
  } catch {
    return undefined;
  }
}

function dependencies(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition ?? 'service_started']));
}

function eachSpec(check: ComposeCheck, rule: (spec: ServiceSpec, service: ComposeService) => string[]): string[] {
  return check.specs.flatMap((spec) => {
    const service = check.compose.services?.[spec.name];
    return service ? rule(spec, service) : [];
  });
}

export const composeRules = {
  /** One service per subgraph and the router, built from the Dockerfile; none for code that does not exist. */
  servicesMatchTheCode(check: ComposeCheck): string[] {
    const services = check.compose.services ?? {};
    const problems = check.specs.filter((spec) => !services[spec.name]).map((spec) => `${spec.name}: no service`);
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      if (!check.specs.some((spec) => spec.name === name)) problems.push(`${name}: built, but no such subgraph in the code`);
      const workspace = String(service.build.args?.WORKSPACE ?? '');
      const manifest = join(check.root, service.build.context ?? '.', workspace, 'package.json');
      if (!workspace || !existsSync(manifest)) problems.push(`${name}: build arg WORKSPACE "${workspace}" is not a workspace folder`);
      else if (!JSON.parse(readFileSync(manifest, 'utf8')).scripts?.build) problems.push(`${name}: workspace ${workspace} has no build script`);
      if (!existsSync(join(check.root, service.build.context ?? '.', service.build.dockerfile ?? 'Dockerfile'))) problems.push(`${name}: no Dockerfile`);
    }
    return problems;
  },

  /**
   * Container port, image PORT and health probe all equal the schema's default
   * PORT. Only the router publishes a host port: subgraphs are reached through
   * it (and by each other) on the compose network, which is also what lets them
   * run several replicas.
   */
  portsMatchDefaults: (check: ComposeCheck) =>
    eachSpec(check, (spec, service) => {
      const problems: string[] = [];
      const ports = portsOf(service);
      if (spec.name === 'router') {
        if (ports.length !== 1 || ports[0]!.published !== spec.port || ports[0]!.target !== spec.port) {
          problems.push(`${spec.name}: ports ${JSON.stringify(service.ports)} should be ["${spec.port}:${spec.port}"]`);
        }
      } else {
        if (ports.length > 0) problems.push(`${spec.name}: publishes ${JSON.stringify(service.ports)}; subgraphs are reached through the router`);
        if ((service.expose ?? []).map(Number).join() !== String(spec.port)) problems.push(`${spec.name}: expose should be ["${spec.port}"]`);
      }
      if (Number(service.build?.args?.PORT) !== spec.port) problems.push(`${spec.name}: build arg PORT should be ${spec.port}`);
      const envPort = environmentOf(service).PORT;
      if (envPort !== undefined && Number(envPort) !== spec.port) problems.push(`${spec.name}: PORT ${envPort} should be ${spec.port}`);
      if (!healthTest(service).includes(`:${spec.port}/health`)) problems.push(`${spec.name}: healthcheck should probe :${spec.port}/health`);
      return problems;
    }),

  /** Subgraphs keep no state in process, so each runs at least two replicas (the router one, on its published port). */
  replicatedSubgraphs: (check: ComposeCheck) =>
    eachSpec(check, (spec, service) => {
      if (spec.name === 'router') return [];
      const replicas = Number(service.deploy?.replicas ?? 1);
      return replicas >= 2 ? [] : [`${spec.name}: deploy.replicas is ${replicas}; run at least 2`];
    }),

  /** Every variable set is one the service reads; a typo would otherwise be silently ignored. */
  onlyKnownVariables: (check: ComposeCheck) =>
    eachSpec(check, (spec, service) => {
      const known = new Set([...Object.keys(spec.schema.shape), ...(spec.extraVariables ?? []), ...PLATFORM_VARIABLES]);
      return Object.keys(environmentOf(service))
        .filter((key) => !known.has(key))
        .map((key) => `${spec.name}: ${key} is not a variable the service reads`);
    }),

  /** Every schema key without a default is provided. */
  requiredVariablesSet: (check: ComposeCheck) =>
    eachSpec(check, (spec, service) => {
      const env = environmentOf(service);
      return Object.entries(spec.schema.shape)
        .filter(([key, schema]) => !schema.safeParse(undefined).success && !env[key])
        .map(([key]) => `${spec.name}: required ${key} is not set`);
    }),

  /** With the operator's variables filled in, the service's own loader accepts the configuration, in production mode. */
  serviceAcceptsConfiguration: (check: ComposeCheck) =>
    eachSpec(check, (spec, service) => {
      const problems: string[] = [];
      let env: Record<string, string>;
      try {
        env = Object.fromEntries(Object.entries(environmentOf(service)).map(([key, value]) => [key, interpolate(value, check.variables)]));
      } catch (err) {
        return [`${spec.name}: ${(err as Error).message}`];
      }
      if (env.NODE_ENV !== 'production') problems.push(`${spec.name}: NODE_ENV should be production`);
      if (env.APOLLO_TELEMETRY_DISABLED !== 'true') problems.push(`${spec.name}: APOLLO_TELEMETRY_DISABLED should be true`);
      for (const [key, value] of Object.entries(spec.expectedValues ?? {})) {
        if (env[key] !== value) problems.push(`${spec.name}: ${key} should be ${value}`);
      }
      try {
        const port = service.build?.args?.PORT;
        spec.load({ ...(port === undefined ? {} : { PORT: String(port) }), ...env });
      } catch (err) {
        problems.push(`${spec.name}: refused: ${(err as Error).message}`);
      }
      return problems;
    }),

  /** Redis keeps carts: append-only file, fsync every second. */
  redisIsDurable(check: ComposeCheck): string[] {
    const redis = check.compose.services?.redis;
    if (!redis) return ['redis: no service'];
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    const args = command.split(/\s+/).join(' ');
    return [
      ...(args.includes('--appendonly yes') ? [] : ['redis: command lacks --appendonly yes']),
      ...(args.includes('--appendfsync everysec') ? [] : ['redis: command lacks --appendfsync everysec']),
    ];
  },

  everyServiceHealthchecked(check: ComposeCheck): string[] {
    return Object.entries(check.compose.services ?? {})
      .filter(([, service]) => service.healthcheck?.disable || !healthTest(service) || healthTest(service).startsWith('NONE'))
      .map(([name]) => `${name}: no healthcheck`);
  },

  /** A service starts after what it calls is healthy: every depends_on waits for health, and every service named in a URL is a dependency. */
  startsAfterHealthyDependencies(check: ComposeCheck): string[] {
    const services = check.compose.services ?? {};
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      const deps = dependencies(service);
      for (const [dep, condition] of Object.entries(deps)) {
        if (condition !== 'service_healthy') problems.push(`${name}: depends_on ${dep} should wait for service_healthy`);
      }
      for (const value of Object.values(environmentOf(service))) {
        const host = hostOf(value);
        if (host && services[host] && !deps[host]) problems.push(`${name}: calls ${host} but does not depend on it`);
      }
    }
    return [...new Set(problems)];
  },

  everyServiceRestarts(check: ComposeCheck): string[] {
    return Object.entries(check.compose.services ?? {})
      .filter(([, service]) => service.restart !== 'unless-stopped')
      .map(([name]) => `${name}: restart should be unless-stopped`);
  },

  /** Keys and passwords come only from the operator, as required variables. */
  noLiteralSecrets(check: ComposeCheck): string[] {
    const problems: string[] = [];
    if (/-----BEGIN [A-Z ]+-----/.test(check.text)) problems.push('a PEM block is written into the file');
    if (/[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:[^\s/@]+@/i.test(check.text)) problems.push('a URL carries a password');
    for (const [name, service] of Object.entries(check.compose.services ?? {})) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        // A secret may be shared (ROUTER_PUBLIC_KEY) or per service (PRODUCTS_SERVICE_PRIVATE_KEY).
        const reference = REQUIRED_REFERENCE.exec(value)?.[1];
        if (SECRET_NAME.test(key) && reference !== key && reference !== `${name.toUpperCase()}_${key}`) {
          problems.push(`${name}: ${key} should be \${${key}:?...} or \${${name.toUpperCase()}_${key}:?...}, provided by the operator`);
        }
      }
    }
    return problems;
  },
};
