// engine.js - llmcost_request() of the WebAssembly module: the same function the CLI's --format json and the
// Python package answer through. request(command, args) returns the parsed document, or throws LlmcostError with
// the library's one-line message.
/* global createLlmcost */

export class LlmcostError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export async function loadEngine(factory = globalThis.createLlmcost) {
  const M = await factory();
  const cstr = (s) => {
    const n = M.lengthBytesUTF8(s) + 1;
    const p = M._malloc(n);
    M.stringToUTF8(s, p, n);
    return p;
  };
  // A config.json given as text is written to the module's in-memory file system and named by its path, so the
  // library reads it as it reads a file on the command line (and its messages name the file).
  const writeConfig = (text) => {
    try {
      M.FS.mkdir('/pasted');
    } catch (e) {
      /* exists */
    }
    M.FS.writeFile('/pasted/config.json', text);
    return '/pasted/config.json';
  };
  const request = (command, args) => {
    const out = M._malloc(4);
    const c = cstr(command);
    const a = cstr(JSON.stringify(args));
    try {
      const rc = M._llmcost_request(out, c, a);
      if (rc < 0) throw new LlmcostError(M.UTF8ToString(M._llmcost_errmsg()), rc);
      const p = M.getValue(out, 'i32');
      const text = M.UTF8ToString(p);
      M._llmcost_free(p);
      return JSON.parse(text);
    } finally {
      M._free(out);
      M._free(c);
      M._free(a);
    }
  };
  return { request, writeConfig, version: M.UTF8ToString(M._llmcost_version()) };
}
