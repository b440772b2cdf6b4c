import type {} from 'vitest';

/** Values the test run's global setup provides to every test file (inject()). */
declare module 'vitest' {
  export interface ProvidedContext {
    mongoUrl: string;
    redisUrl: string;
    redisPort: number;
  }
}
