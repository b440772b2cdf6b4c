import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

/**
 * Client mistakes that the router once answered as server errors (500, or
 * 400 with INTERNAL_SERVER_ERROR) are 400s with the code Apollo uses for each.
 */

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
});
afterAll(async () => platform?.stop());

interface Answer {
  status: number;
  raw: string;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(platform.routerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const raw = await response.text();
  return { status: response.status, raw, body: JSON.parse(raw) };
}

/** A 400 with one error of the code, no data, and nothing of the router's insides. */
function expectClientError(answer: Answer, code: string): string {
  expect(answer.status).toBe(400);
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors).toHaveLength(1);
  expect(answer.body.errors![0]!.extensions).toEqual({ code });
  expect(answer.raw).not.toMatch(/INTERNAL_SERVER_ERROR|Internal server error|INVALID_GRAPHQL|stacktrace|node_modules|127\.0\.0\.1|\bat \S+ \(/);
  return answer.body.errors![0]!.message;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('client mistakes', () => {
  it('answers a subscription 400 GRAPHQL_VALIDATION_FAILED: this endpoint serves queries and mutations', async () => {
    for (const query of ['subscription { __typename }', 'subscription Watch { __typename }']) {
      const message = expectClientError(await post({ query }), 'GRAPHQL_VALIDATION_FAILED');
      expect(message).toMatch(/^Subscriptions are not supported/);
    }
  });

  it('answers two operations without operationName 400 OPERATION_RESOLUTION_FAILURE, and runs the one named', async () => {
    const query = 'query First { __typename } query Second { __typename }';
    expect(expectClientError(await post({ query }), 'OPERATION_RESOLUTION_FAILURE')).toMatch(/operationName/);
    // An operationName the document lacks: refused the same way, without echoing the name.
    const unknown = await post({ query, operationName: 'NoSuchOperationHere' });
    expectClientError(unknown, 'OPERATION_RESOLUTION_FAILURE');
    expect(unknown.raw).not.toContain('NoSuchOperationHere');
    const named = await post({ query, operationName: 'Second' });
    expect(named.status).toBe(200);
    expect(named.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a persisted query whose hash is not its text 400 PERSISTED_QUERY_HASH_MISMATCH', async () => {
    const answer = await post({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ me { id } }') } } });
    expect(expectClientError(answer, 'PERSISTED_QUERY_HASH_MISMATCH')).toBe('The persisted query hash does not match the query text');
    // The right hash still registers and runs.
    const right = await post({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } });
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ data: { __typename: 'Query' } });
  });
});
