/** The suite's harness (vitest.config.ts: pool, timeouts, globalSetup) pointed at the one test that must fail. */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({ test: { ...base.test, include: ['test/gate/must-fail.fixture.ts'] } });
