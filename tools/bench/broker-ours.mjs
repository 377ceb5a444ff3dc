#!/usr/bin/env node
// Our side of the broker benchmark: one `mirrorRepo` from a smart source into a git server (push), nothing kept.
// Prints the result as JSON.
//
// usage: node tools/bench/broker-ours.mjs <source-url> <target-url> [ssh-options-json]
import { mirrorRepo } from '@gitmirror/mirror-core';

const [source, target, sshJson] = process.argv.slice(2);
// The same connection settings for both ends: no netrc, and the ssh keys and known_hosts of the benchmark's sshd.
const connection = { netrc: false, ssh: sshJson ? JSON.parse(sshJson) : undefined };
const result = await mirrorRepo(source, target, { source: connection, target: connection });
if (!result.pack) throw new Error('the push sent no pack');
console.log(JSON.stringify({ objects: result.pack.objects, bytes: result.pack.bytes, refs: result.created.length }));
