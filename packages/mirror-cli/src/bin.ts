#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

// undici parses HTTP with llhttp compiled to WebAssembly; optimising it with TurboFan costs about 35 MiB of RSS at the
// first request, a fifth of a small --max-memory, while the baseline compiler parses a pack's response as fast.
setFlagsFromString('--liftoff-only');
// The AWS SDK warns about Node 20 on every run; this command supports Node >= 20.19.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main(hideBin(process.argv));
