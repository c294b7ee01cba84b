#!/usr/bin/env node
/** The `scriba` executable: dispatches to the command modules in ./commands. */
import { main } from './index.js';

process.exitCode = await main(process.argv.slice(2));
