'use strict';
/*
 * Pyfi's Node worker: runs the exports of one node processor module for a silo, one call at a time.
 *
 *     python pyfi_worker.py --launch MEMORY -- node [--max-old-space-size=MB] pyfi_worker.js MODULE CHECKOUT MAX_PAYLOAD_BYTES KINDS
 *
 * Started through pyfi_worker.py --launch, which sets the limits, the process group and the subreaper, and moves the
 * protocol pipe to fd 3 (fd 1 is stderr by then): nothing the module or a child process prints can reach the
 * protocol. The protocol is pyfi_worker.py's (read its docstring), line for line:
 *
 *   start  -> {"ready": true, "pid": N, "node": "v20.x"}  or  {"ready": false, "error": {...}}
 *   {"id": n, "function": "f", "args": [...], "kwargs": {...}}
 *          -> {"started": n}, then {"id": n, "ok": true, "result": <json>, "output": "..."}
 *                               or {"id": n, "ok": false, "error": {"type", "message", "traceback"}, "output": "..."}
 *   {"cancel": n}   -> a request not started is answered as cancelled, never run
 *
 * A function is an export of the module (for an ES module, a named export, else a property of its default export).
 * It is called with the positional arguments and, when there are keyword arguments, one more argument: an object
 * holding them. A promise it returns is awaited. The result is sent as JSON (undefined as null); what the call
 * writes to process.stdout, process.stderr or console is its captured output. An error's name is the failure's
 * type, its stack the traceback. process.exit() inside a call fails the call instead of ending the worker.
 * What a call leaves running (child processes) is killed when it ends; the worker ends when its stdin closes or
 * its silo goes away.
 */
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const PROTOCOL = 3;
const MAX_OUTPUT = 1024 * 1024;      // captured output kept per call, in characters
const MAX_ERROR_TEXT = 64 * 1024;    // an error's message and stack, each

const [modulePath, checkout, maxPayloadText, kindsText] = process.argv.slice(2);
const maxPayload = Number(maxPayloadText);
const KINDS = JSON.parse(kindsText);

function send(message) {
  const text = (typeof message === 'string' ? message : JSON.stringify(message)) + '\n';
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  while (written < bytes.length) {
    try {
      written += fs.writeSync(PROTOCOL, bytes, written);
    } catch (e) {
      if (e.code !== 'EAGAIN') process.reallyExit(70);
    }
  }
}

function cut(text, limit) {
  return text.length > limit ? text.slice(0, limit) + `\n[pyfi: cut at ${limit} characters]` : text;
}

function describe(error) {
  if (error instanceof Error) {
    return {
      type: error.name || (error.constructor && error.constructor.name) || 'Error',
      message: cut(String(error.message), MAX_ERROR_TEXT),
      // The worker's own frames (and Node's below them) are not the function's.
      traceback: cut(String(error.stack || '').split('\n').filter((l) => !l.includes(__filename) && !l.includes('(node:internal/')).join('\n'), MAX_ERROR_TEXT),
    };
  }
  let text;
  try { text = typeof error === 'string' ? error : JSON.stringify(error); } catch { text = String(error); }
  return { type: 'Error', message: cut(String(text), MAX_ERROR_TEXT), traceback: '' };
}

// What a call writes goes to its capture; between calls, to stderr (which the silo logs).
let capture = null;
function redirect(stream) {
  stream.write = function (chunk, encoding, callback) {
    if (typeof encoding === 'function') { callback = encoding; encoding = undefined; }
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (capture !== null) {
      if (capture.length < MAX_OUTPUT) capture += text;
    } else {
      try { fs.writeSync(2, text); } catch { /* stderr gone: nothing to say it on */ }
    }
    if (callback) process.nextTick(callback);
    return true;
  };
}
redirect(process.stdout);
redirect(process.stderr);

// A function that calls process.exit fails its call; the worker goes on.
class ProcessExit extends Error {
  constructor(code) { super(`process.exit(${code === undefined ? '' : code}) was called`); this.name = 'ProcessExit'; }
}
const reallyExit = process.exit.bind(process);
process.exit = (code) => { throw new ProcessExit(code); };

// An error nobody catches (a timer's, a promise's) is said on stderr; it does not end the worker.
process.on('uncaughtException', (e) => { try { fs.writeSync(2, `uncaught: ${e && e.stack || e}\n`); } catch { } });
process.on('unhandledRejection', (e) => { try { fs.writeSync(2, `unhandled rejection: ${e && e.stack || e}\n`); } catch { } });

// Child processes, from /proc: this process is the subreaper of everything it started.
function children(pid) {
  const found = [];
  let tasks = [];
  try { tasks = fs.readdirSync(`/proc/${pid}/task`); } catch { return found; }
  for (const task of tasks) {
    try {
      for (const child of fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ')) {
        if (child.trim()) found.push(Number(child));
      }
    } catch { /* the task ended */ }
  }
  return found;
}

function descendants(keep) {
  const found = [];
  const todo = [process.pid];
  while (todo.length) {
    for (const child of children(todo.pop())) {
      if (keep.has(child)) continue;
      found.push(child);
      todo.push(child);
    }
  }
  return found;
}

// Whether a process other than those kept is a child of this process's main thread: where node spawns children
// and where orphans below it come back (it is their subreaper). One read of /proc: the cost of a call that started
// nothing (a full scan reads every thread's list, ~0.13 ms a call here).
function mayHaveChildren(keep) {
  try {
    return fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').split(' ').some((c) => c.trim() && !keep.has(Number(c)));
  } catch {
    return true;
  }
}

// Stops, then kills, what is below this process but keep; stopped first so nothing forks away meanwhile.
function killDescendants(keep) {
  for (let round = 0; round < 20; round++) {
    const found = descendants(keep);
    if (found.length === 0) return;
    for (const pid of found) { try { process.kill(pid, 'SIGSTOP'); } catch { } }
    for (const pid of descendants(keep)) { try { process.kill(pid, 'SIGSTOP'); } catch { } }
    for (const pid of descendants(keep)) { try { process.kill(pid, 'SIGKILL'); } catch { } }
  }
}

function inside(file) {
  const root = fs.realpathSync(checkout);
  const real = fs.realpathSync(file);
  return real === root || real.startsWith(root + path.sep);
}

async function load() {
  const resolved = require.resolve(modulePath);
  if (!inside(resolved)) throw new Error(`module '${modulePath}' resolves to ${resolved}, not to a file of the repository`);
  if (resolved.endsWith('.mjs')) return await import(pathToFileURL(resolved).href);
  try {
    return require(resolved);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return await import(pathToFileURL(resolved).href);
    throw e;
  }
}

function find(module, name) {
  if (typeof name !== 'string' || name.startsWith('_')) return null;
  const own = (o) => o !== null && (typeof o === 'object' || typeof o === 'function') && Object.prototype.hasOwnProperty.call(o, name);
  let value = own(module) ? module[name] : undefined;
  if (value === undefined && module && own(module.default)) value = module.default[name];
  return typeof value === 'function' ? value : null;
}

function encode(result, name) {
  let text;
  try {
    text = JSON.stringify(result === undefined ? null : result);
  } catch (e) {
    return { failure: { type: KINDS.result_not_serializable, message: cut(`the result of ${name}() cannot be sent back as JSON: ${e.message}`, MAX_ERROR_TEXT) } };
  }
  if (text === undefined) text = 'null';  // a function or a symbol
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxPayload) {
    return { failure: { type: KINDS.result_too_large, message: `the result of ${name}() is ${bytes} bytes of JSON, more than the ${maxPayload} bytes a result may be (PYFI_MAX_PAYLOAD)` } };
  }
  return { text };
}

async function run(module, request, kept) {
  const id = request.id;
  const replyId = Number.isInteger(id) ? String(id) : JSON.stringify(id);
  send(`{"started":${replyId}}`);
  const name = request.function;
  const fn = find(module, name);
  if (fn === null) {
    send({ id, ok: false, output: '', error: { type: KINDS.function_not_found, message: `module '${path.relative(checkout, modulePath)}' has no function '${name}'` } });
    return;
  }
  const args = Array.isArray(request.args) ? request.args.slice() : [];
  const kwargs = request.kwargs;
  if (kwargs && typeof kwargs === 'object' && Object.keys(kwargs).length > 0) args.push(kwargs);

  capture = '';
  let result, failure = null;
  try {
    result = await fn(...args);
  } catch (e) {
    failure = describe(e);
  }
  const output = JSON.stringify(cut(capture, MAX_OUTPUT));
  capture = null;
  if (mayHaveChildren(kept)) killDescendants(kept);

  if (failure === null) {
    const encoded = encode(result, name);
    if (encoded.failure) failure = encoded.failure;
    else {
      send(`{"id":${replyId},"ok":true,"result":${encoded.text},"output":${output}}`);
      return;
    }
  }
  send(`{"id":${replyId},"ok":false,"error":${JSON.stringify(failure)},"output":${output}}`);
}

async function main() {
  const parent = process.ppid;
  // The silo is gone (this process was given to another parent): end, with everything started.
  setInterval(() => { if (process.ppid !== parent) { killDescendants(new Set()); reallyExit(70); } }, 1000).unref();

  let module;
  capture = '';
  try {
    module = await load();
  } catch (e) {
    capture = null;
    send({ ready: false, error: describe(e) });
    killDescendants(new Set());
    reallyExit(3);
    return;
  }
  capture = null;
  // What the module started when it loaded lives with the worker.
  const kept = new Set(descendants(new Set()));
  send({ ready: true, pid: process.pid, node: process.version });

  const pending = [];
  const cancelled = new Set();
  let buffer = '';
  let ended = false;
  let wake = null;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      const message = JSON.parse(line);
      if ('cancel' in message) cancelled.add(message.cancel);
      else pending.push(message);
    }
    if (wake) { const w = wake; wake = null; w(); }
  });
  process.stdin.on('end', () => { ended = true; if (wake) { const w = wake; wake = null; w(); } });

  for (;;) {
    if (pending.length === 0) {
      if (ended) break;
      await new Promise((resolve) => { wake = resolve; });
      continue;
    }
    const request = pending.shift();
    if (cancelled.delete(request.id)) {
      send({ id: request.id, ok: false, output: '', error: { type: KINDS.cancelled, message: 'the call was cancelled before it started' } });
      continue;
    }
    await run(module, request, kept);
  }
  killDescendants(new Set());
  reallyExit(0);
}

main();
