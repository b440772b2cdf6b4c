import { baseEnvSchema, EnvError, loadEnv, METRICS_PORT_OFFSET, metricsPortOf } from '@shopcart/kit';
import { describe, expect, it } from 'vitest';

describe('where /metrics listens', () => {
  it('is loopback, on the service port + METRICS_PORT_OFFSET, unless configured', () => {
    const env = loadEnv(baseEnvSchema, {});
    expect(env.METRICS_HOST).toBe('127.0.0.1');
    expect(env.METRICS_PORT).toBeUndefined();
    expect(metricsPortOf(4000, env.METRICS_PORT)).toBe(4000 + METRICS_PORT_OFFSET);
    expect(metricsPortOf(4001, undefined)).toBe(5001);
    const set = loadEnv(baseEnvSchema, { METRICS_HOST: '0.0.0.0', METRICS_PORT: '9464' });
    expect(set.METRICS_HOST).toBe('0.0.0.0');
    expect(metricsPortOf(4000, set.METRICS_PORT)).toBe(9464);
  });

  it('follows a free service port (0) with a free port of its own', () => {
    expect(metricsPortOf(0, undefined)).toBe(0);
  });

  it('refuses the service port itself and a default past 65535, naming METRICS_PORT', () => {
    expect(() => metricsPortOf(4000, 4000)).toThrowError(EnvError);
    expect(() => metricsPortOf(4000, 4000)).toThrowError(/METRICS_PORT: must differ from PORT/);
    expect(() => metricsPortOf(65000, undefined)).toThrowError(/METRICS_PORT: must be set when PORT is above 64535/);
    expect(metricsPortOf(65000, 9464)).toBe(9464);
    expect(() => loadEnv(baseEnvSchema, { METRICS_PORT: '70000' })).toThrowError(/METRICS_PORT/);
  });
});
