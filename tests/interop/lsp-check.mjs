// A headless editor: asks the real yaml-language-server (the engine of VS Code's
// YAML extension) what it would underline in some YAML files, and what it would
// offer to complete, by talking LSP to it over stdio exactly as an editor does.
//
//   node lsp-check.mjs [--schema GLOB=SCHEMA ...] [--complete FILE:LINE:COLUMN ...]
//                      [--timeout SECONDS] [--quiet-ms MS] [--verbose] [--] FILE...
//
//   --schema GLOB=SCHEMA   associate a schema with files, like the `yaml.schemas`
//                          setting: SCHEMA is a path (relative to the current
//                          directory) or a file:// URI, GLOB a pattern such as
//                          "**/records/incidents/*.yaml". Repeatable; several globs
//                          may name the same schema. Files carrying a modeline
//                          (`# yaml-language-server: $schema=../../schema/x.json`)
//                          need no --schema: the modeline is resolved against the
//                          file's real location, as in the editor.
//   --complete F:L:C       also ask for completions in file F at line L, column C
//                          (both 1-based). F is opened even when not in FILE...
//   --timeout SECONDS      give up (kill the server, exit 3) after this long; 60.
//   --quiet-ms MS          how long the server must stay silent before the
//                          diagnostics are taken as final; 500.
//   --verbose              copy the server's log messages and stderr to stderr.
//   LSP_CHECK_TRACE=1      (environment) log every LSP message to stderr.
//
// Prints ONE JSON document on stdout:
//   {"<FILE as given>": [{"line": 1, "column": 1, "endLine": 1, "endColumn": 5,
//                         "severity": 1, "message": "...", "source": "..."}, ...],
//    ...,
//    "completions": {"<F:L:C as given>": ["label", ...]}}   (only with --complete)
// Lines and columns are 1-based; columns count Unicode code points (a Python
// str index + 1), not the UTF-16 units LSP uses on the wire. Severity is LSP's:
// 1 error, 2 warning, 3 information, 4 hint (the server itself turns its warnings
// into errors before publishing). Diagnostics are sorted by position;
// completion labels keep the server's order.
//
// How the wait works. The server has no pull diagnostics: it pushes
// textDocument/publishDiagnostics after a 200 ms debounce per document, and again
// whenever a configuration change re-validates the open documents. So:
//   1. the files are opened only after the server has pulled its settings from us
//      (workspace/configuration) both after `initialized` and after our
//      workspace/didChangeConfiguration, and has had a turn to apply them, so the
//      schema associations are in place before the first validation and no
//      settings change re-validates the files later;
//   2. the diagnostics are final once every file has received at least one publish
//      AND the server has then been quiet (no publish, no request to us) for
//      --quiet-ms, more than twice its debounce; any late publish (e.g. a second
//      one after a schema finished loading) restarts the quiet period and replaces
//      the earlier list.
//
// Nothing is fetched from the network: the schema store and the Kubernetes CRD
// store are disabled, the client registers for content requests (as VS Code does)
// so that any http(s) schema the server wants is asked of us, and we refuse it
// (the file then gets the server's usual "unable to load schema" diagnostic); the
// server's own HTTP client is pointed at a proxy on a closed local port, so even
// a request that bypassed us would fail at once. Refused URIs are named on stderr.
//
// One server serves all files (hundreds are fine); it is shut down with
// shutdown/exit, and killed if it does not leave in time. Exit status: 0 done,
// 2 usage or server error, 3 timeout.

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER = join(HERE, "node_modules", "yaml-language-server", "bin", "yaml-language-server");
// A proxy nobody listens on (port 9, "discard"): the server's own HTTP client fails fast.
const DEAD_PROXY = "http://127.0.0.1:9";

function fail(message, status = 2) {
  process.stderr.write(`lsp-check: ${message}\n`);
  process.exit(status);
}

// ---------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const opts = { files: [], schemas: {}, complete: [], timeout: 60, quietMs: 500, verbose: false };
  let i = 0;
  const value = (flag) => {
    if (i + 1 >= argv.length) fail(`${flag} needs a value`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      opts.files.push(...argv.slice(i + 1));
      break;
    } else if (arg === "--schema") {
      const spec = value(arg);
      const cut = spec.indexOf("=");
      if (cut <= 0 || cut === spec.length - 1) fail(`--schema wants GLOB=SCHEMA, got ${spec}`);
      const glob = spec.slice(0, cut);
      const schema = spec.slice(cut + 1);
      const uri = /^[a-z][a-z0-9+.-]+:/i.test(schema) ? schema : pathToFileURL(resolve(schema)).href;
      (opts.schemas[uri] ??= []).push(glob);
    } else if (arg === "--complete") {
      const spec = value(arg);
      const match = /^(.+):(\d+):(\d+)$/.exec(spec);
      if (!match) fail(`--complete wants FILE:LINE:COLUMN, got ${spec}`);
      opts.complete.push({ spec, file: match[1], line: Number(match[2]), column: Number(match[3]) });
    } else if (arg === "--timeout") {
      opts.timeout = Number(value(arg));
    } else if (arg === "--quiet-ms") {
      opts.quietMs = Number(value(arg));
    } else if (arg === "--verbose") {
      opts.verbose = true;
    } else if (arg.startsWith("--")) {
      fail(`unknown option ${arg}`);
    } else {
      opts.files.push(arg);
    }
  }
  if (!opts.files.length && !opts.complete.length) fail("no file given (see the header of lsp-check.mjs)");
  if (!(opts.timeout > 0) || !(opts.quietMs >= 0)) fail("--timeout and --quiet-ms want numbers");
  return opts;
}

// With LSP_CHECK_TRACE=1 in the environment, every message (cut to 400 characters)
// goes to stderr with the milliseconds since start: "->" to the server, "<-" from it.
function trace(direction, text) {
  if (process.env.LSP_CHECK_TRACE) {
    process.stderr.write(`${Math.round(performance.now())} ${direction} ${text.slice(0, 400)}\n`);
  }
}

// ---------------------------------------------------------------------------
// JSON-RPC over stdio, with LSP's Content-Length framing

class Connection {
  constructor(child, { onNotification, onRequest }) {
    this.child = child;
    this.onNotification = onNotification;
    this.onRequest = onRequest;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, method}
    this.buffer = Buffer.alloc(0);
    child.stdout.on("data", (chunk) => {
      try {
        this.receive(chunk);
      } catch (error) {
        child.kill("SIGKILL");
        fail(`cannot read the server's messages: ${error.message}`);
      }
    });
  }

  send(message) {
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }), "utf8");
    trace("->", body.toString("utf8"));
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise, reject, method });
      this.send({ id, method, params });
    });
  }

  notify(method, params) {
    this.send({ method, params });
  }

  // Accumulates bytes and dispatches every complete message. Content-Length counts
  // bytes of the UTF-8 body, so the buffer is kept as bytes, never as a string.
  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString("ascii");
      const match = /Content-Length:\s*(\d+)/i.exec(header);
      if (!match) throw new Error(`bad LSP header from the server: ${header}`);
      const start = headerEnd + 4;
      const end = start + Number(match[1]);
      if (this.buffer.length < end) return;
      const message = JSON.parse(this.buffer.subarray(start, end).toString("utf8"));
      this.buffer = this.buffer.subarray(end);
      this.dispatch(message);
    }
  }

  dispatch(message) {
    trace("<-", JSON.stringify(message));
    if (message.method !== undefined && message.id !== undefined) {
      // A request from the server: answer it, with an error if the handler throws.
      Promise.resolve()
        .then(() => this.onRequest(message.method, message.params))
        .then(
          (result) => this.send({ id: message.id, result: result ?? null }),
          (error) => this.send({ id: message.id, error: { code: error.code ?? -32603, message: String(error.message ?? error) } }),
        );
    } else if (message.method !== undefined) {
      this.onNotification(message.method, message.params);
    } else {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`${waiter.method} failed: ${message.error.message}`));
      else waiter.resolve(message.result);
    }
  }

  rejectAll(error) {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

// ---------------------------------------------------------------------------
// Positions: LSP counts UTF-16 units from 0; we report code points from 1.

function lineText(lines, line) {
  return lines[line] ?? "";
}

function toColumn(lines, position) {
  return [...lineText(lines, position.line).slice(0, position.character)].length + 1;
}

function toCharacter(lines, line0, column) {
  return [...lineText(lines, line0)].slice(0, column - 1).join("").length;
}

// ---------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(SERVER)) fail(`${SERVER} is missing: run \`npm ci --prefix tests/interop\` first`);

  // Every file to open, once, whether for diagnostics or completions.
  const docs = new Map(); // uri -> {path, text, lines, published, diagnostics}
  const open = (given) => {
    const path = resolve(given);
    const uri = pathToFileURL(path).href;
    if (!docs.has(uri)) {
      let text;
      try {
        text = readFileSync(path, "utf8");
      } catch (error) {
        fail(`cannot read ${given}: ${error.message}`);
      }
      docs.set(uri, { path, text, lines: text.split(/\r\n|\r|\n/), published: false, diagnostics: [] });
    }
    return uri;
  };
  const fileUris = opts.files.map((given) => [given, open(given)]);
  for (const c of opts.complete) c.uri = open(c.file);

  const settings = {
    yaml: {
      validate: true,
      completion: true,
      hover: true,
      schemaStore: { enable: false },
      kubernetesCRDStore: { enable: false },
      schemas: opts.schemas,
      format: { enable: false },
      customTags: [],
    },
    http: { proxy: DEAD_PROXY, proxyStrictSSL: true },
  };

  const child = spawn(process.execPath, [SERVER, "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
  let serverStderr = "";
  child.stderr.on("data", (chunk) => {
    serverStderr += chunk;
    if (opts.verbose) process.stderr.write(chunk);
  });
  child.stdin.on("error", () => {}); // reported through "exit" below
  let exiting = false;
  let phase = "starting the server"; // for the timeout message
  const timer = setTimeout(() => {
    const waiting = [...docs.values()].filter((d) => !d.published).map((d) => d.path);
    child.kill("SIGKILL");
    const detail = waiting.length ? `; no diagnostics yet for ${waiting.length} file(s): ${waiting.slice(0, 5).join(", ")}` : "";
    fail(`timed out after ${opts.timeout} s, ${phase}${detail}\n${serverStderr}`, 3);
  }, opts.timeout * 1000);

  let lastActivity = Date.now(); // last publish or server request, for the quiet period
  let configPulls = 0; // how many times the server has pulled the "yaml" section
  let configWaiter = () => {};
  // Resolves once the server has pulled the "yaml" settings `count` times, on the
  // turn after our answer went out, so that the server has applied it.
  const configPulled = (count) =>
    new Promise((resolvePromise) => {
      configWaiter = () => {
        if (configPulls >= count) resolvePromise();
      };
      configWaiter();
    });

  const conn = new Connection(child, {
    onNotification(method, params) {
      if (method === "textDocument/publishDiagnostics") {
        const doc = docs.get(params.uri);
        if (!doc) return;
        doc.published = true;
        doc.diagnostics = params.diagnostics;
        lastActivity = Date.now();
      } else if (opts.verbose && (method === "window/logMessage" || method === "window/showMessage")) {
        process.stderr.write(`[server] ${params.message}\n`);
      }
    },
    onRequest(method, params) {
      lastActivity = Date.now();
      switch (method) {
        case "workspace/configuration": {
          // Sections the server pulls: yaml, http, [yaml] (also per document), editor.
          const answer = params.items.map((item) => (item.section in settings ? settings[item.section] : {}));
          if (params.items.some((item) => item.section === "yaml")) {
            configPulls += 1;
            // Let the server apply the answer before the files are opened.
            setImmediate(configWaiter);
          }
          return answer;
        }
        case "vscode/content":
        case "custom/schema/content":
        case "custom/schema/request":
        case "fs/readUri": {
          // The URI comes alone or as a one-item array, depending on the request type.
          const param = Array.isArray(params) ? params[0] : params;
          const uri = typeof param === "string" ? param : JSON.stringify(param);
          process.stderr.write(`lsp-check: refused the server's request for ${uri} (no network)\n`);
          throw { code: -32603, message: `lsp-check does not fetch ${uri}` };
        }
        case "client/registerCapability":
        case "client/unregisterCapability":
        case "window/workDoneProgress/create":
        case "workspace/codeLens/refresh":
        case "workspace/semanticTokens/refresh":
        case "workspace/diagnostic/refresh":
          return null;
        default:
          throw { code: -32601, message: `lsp-check does not handle ${method}` };
      }
    },
  });

  child.on("exit", (code, signal) => {
    if (exiting) return;
    conn.rejectAll(new Error("the server died"));
    fail(`yaml-language-server exited early (${signal ?? code})\n${serverStderr}`);
  });

  // 1. Handshake, with the capabilities an editor announces for these features.
  const cwdUri = pathToFileURL(process.cwd()).href;
  const init = await conn.request("initialize", {
    processId: process.pid,
    clientInfo: { name: "sarschema-lsp-check" },
    locale: "en",
    rootUri: cwdUri,
    workspaceFolders: [{ uri: cwdUri, name: "workspace" }],
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: false } },
      textDocument: {
        synchronization: { dynamicRegistration: false, didSave: false, willSave: false },
        publishDiagnostics: { relatedInformation: true, versionSupport: false, codeDescriptionSupport: true, dataSupport: true },
        completion: {
          dynamicRegistration: false,
          contextSupport: true,
          completionItem: { snippetSupport: true, documentationFormat: ["markdown", "plaintext"], insertReplaceSupport: false },
          completionItemKind: { valueSet: Array.from({ length: 25 }, (_, k) => k + 1) },
        },
        hover: { contentFormat: ["markdown", "plaintext"] },
      },
    },
  });
  if (opts.verbose) process.stderr.write(`[lsp-check] server ${JSON.stringify(init.serverInfo)}\n`);
  conn.notify("initialized", {});
  // As VS Code's YAML extension does: send http(s) schema fetches to the client (us).
  conn.notify("yaml/registerContentRequest", null);

  // 2. Settings. The server ignores the settings pushed with a notification and pulls
  // them back through workspace/configuration: once after `initialized`, once after
  // each workspace/didChangeConfiguration. Wait for both pulls, so the schema
  // associations are in place before the first file is validated.
  phase = "waiting for the server to pull its configuration";
  await configPulled(1);
  conn.notify("workspace/didChangeConfiguration", { settings });
  await configPulled(2);

  // 3. Open everything, then wait for every file's diagnostics and a quiet period.
  phase = "waiting for diagnostics";
  for (const [uri, doc] of docs) {
    conn.notify("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: 1, text: doc.text } });
  }
  lastActivity = Date.now();
  await new Promise((resolvePromise) => {
    const poll = setInterval(() => {
      const allPublished = [...docs.values()].every((d) => d.published);
      if (allPublished && Date.now() - lastActivity >= opts.quietMs) {
        clearInterval(poll);
        resolvePromise();
      }
    }, 25);
  });

  // 4. Completions, on the settled documents.
  phase = "asking for completions";
  const completions = {};
  for (const c of opts.complete) {
    const doc = docs.get(c.uri);
    const line0 = c.line - 1;
    const result = await conn.request("textDocument/completion", {
      textDocument: { uri: c.uri },
      position: { line: line0, character: toCharacter(doc.lines, line0, c.column) },
      context: { triggerKind: 1 },
    });
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    completions[c.spec] = items.map((item) => item.label);
  }

  // 5. Report, then let the server go.
  const output = {};
  for (const [given, uri] of fileUris) {
    const doc = docs.get(uri);
    output[given] = doc.diagnostics
      .map((d) => ({
        line: d.range.start.line + 1,
        column: toColumn(doc.lines, d.range.start),
        endLine: d.range.end.line + 1,
        endColumn: toColumn(doc.lines, d.range.end),
        severity: d.severity ?? 1,
        message: d.message,
        source: d.source ?? "",
      }))
      .sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
  }
  if (opts.complete.length) output.completions = completions;

  exiting = true;
  let shutdownTimer;
  await Promise.race([
    conn.request("shutdown", null),
    new Promise((r) => (shutdownTimer = setTimeout(r, 2000))), // do not wait forever
  ]).catch(() => {});
  clearTimeout(shutdownTimer);
  conn.notify("exit", null);
  child.stdin.end();
  const gone = new Promise((r) => child.once("exit", r));
  if (child.exitCode === null && child.signalCode === null) {
    const killer = setTimeout(() => {
      trace("!!", "the server did not exit: killing it");
      child.kill("SIGKILL");
    }, 2000);
    await gone;
    clearTimeout(killer);
  }
  trace("!!", "the server has exited");
  clearTimeout(timer);
  process.stdout.write(JSON.stringify(output) + "\n");
}

main().catch((error) => fail(error.stack ?? String(error)));
