import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, findBreakingChanges, type BreakingChange, type GraphQLSchema } from 'graphql';

export const CONTRACT_PATH = fileURLToPath(new URL('./contract.graphql', import.meta.url));
export const PENDING_PATH = fileURLToPath(new URL('./contract-pending.txt', import.meta.url));

/** The client-facing schema: the supergraph minus federation internals and @inaccessible. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/**
 * Maps a breaking change to a schema coordinate ("Type", "Type.field",
 * "Type.field(arg:)", "Enum.VALUE") so the pending list reads like the schema.
 */
export function coordinateOf(change: BreakingChange): string {
  const d = change.description;
  const patterns: RegExp[] = [
    /^(\w+) was removed\.$/,
    /^(\w+\.\w+) was removed\.$/,
    /^(\w+\.\w+) changed type from/,
    /^(\w+) was removed from enum type (\w+)\.$/,
    /^(\w+) arg (\w+) was removed\.$/,
    /^(\w+\.\w+) arg (\w+) was removed\.$/,
    /^(\w+\.\w+) arg (\w+) has changed type from/,
    /^A required field (\w+) on input type (\w+) was added\.$/,
    /^A required arg (\w+) on (\w+\.\w+) was added\.$/,
    /^(\w+) is no longer a member of union type (\w+)\.$/,
  ];
  for (const pattern of patterns) {
    const m = pattern.exec(d);
    if (!m) continue;
    if (pattern === patterns[3]) return `${m[2]}.${m[1]}`;
    if (pattern === patterns[4] || pattern === patterns[5] || pattern === patterns[6]) return `${m[1]}(${m[2]}:)`;
    if (pattern === patterns[7]) return `${m[2]}.${m[1]}`;
    if (pattern === patterns[8]) return `${m[2]}(${m[1]}:)`;
    if (pattern === patterns[9]) return `${m[2]}.${m[1]}`;
    return m[1]!;
  }
  return d;
}

export function missingFromContract(supergraphSdl: string): string[] {
  const contract = buildSchema(readFileSync(CONTRACT_PATH, 'utf8'));
  const changes = findBreakingChanges(contract, apiSchemaOf(supergraphSdl));
  return [...new Set(changes.map(coordinateOf))].sort();
}

export function readPending(): string[] {
  return readFileSync(PENDING_PATH, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Prints the current gap, for updating contract-pending.txt by hand.
  process.stdout.write(`${missingFromContract(readFileSync(fileURLToPath(new URL('./supergraph.graphql', import.meta.url)), 'utf8')).join('\n')}\n`);
}
