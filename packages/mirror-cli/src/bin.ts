#!/usr/bin/env node
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

// The AWS SDK warns about Node 20 on every run; this command supports Node >= 20.19.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main(hideBin(process.argv));
