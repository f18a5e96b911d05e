// Builds the native addon (runtime/native/build/Release/scalify_native.node) with node-gyp,
// offline: node-gyp run directly would try to download Node's headers, so we pass --nodedir
// pointing at the headers installed next to this Node (PLATFORM.md "node-gyp offline").
//
//   node runtime/native/build.mjs            build (incremental once configured); fail loudly
//   node runtime/native/build.mjs --optional on failure print why and exit 0 (npm install on a
//                                            machine without a C++ toolchain still succeeds;
//                                            scalify then runs on the reference backend)
//   node runtime/native/build.mjs --rebuild  reconfigure and rebuild from scratch
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes("--optional");
const rebuild = process.argv.includes("--rebuild");

function nodeDir() {
  const candidates = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), ".."), "/usr", "/usr/local"];
  for (const c of candidates) if (c && existsSync(join(c, "include", "node", "node_api.h"))) return c;
  return undefined;
}

function failed(msg) {
  if (optional) {
    console.warn(`scalify: the native addon was not built (${msg}).\n  scalify will run on the reference backend. Build it with: npm run build:native`);
    process.exit(0);
  }
  console.error(`scalify: native build failed: ${msg}`);
  process.exit(1);
}

const nodedir = nodeDir();
if (!nodedir) failed("Node's headers (include/node/node_api.h) were not found next to this Node; set npm_config_nodedir");
let gyp;
try {
  gyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
} catch {
  failed("node-gyp is not installed (npm install)");
}
const configured = existsSync(join(here, "build", "Makefile")) && existsSync(join(here, "build", "config.gypi"));
const jobs = String(Math.max(1, Math.min(4, (await import("node:os")).availableParallelism?.() ?? 2)));
const steps = rebuild || !configured ? [["rebuild"]] : [["build"]];
for (const [cmd] of steps) {
  const r = spawnSync(process.execPath, [gyp, cmd, `--nodedir=${nodedir}`, "--jobs", jobs, "--loglevel=warn"], { cwd: here, stdio: "inherit" });
  if (r.error) failed(r.error.message);
  if (r.status !== 0) failed(`node-gyp ${cmd} exited with code ${r.status}`);
}
if (!existsSync(join(here, "build", "Release", "scalify_native.node"))) failed("node-gyp produced no scalify_native.node");
