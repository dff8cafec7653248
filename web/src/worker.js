// worker.js - the planner's Web Worker: the page starts it from a Blob of the module's script and this one, so it
// has its own copy of the library and the search does not block the page.
import { loadEngine, LlmcostError } from './engine.js';

let engine;
self.onmessage = async (e) => {
  try {
    engine ||= await loadEngine(self.createLlmcost);
    const t0 = performance.now();
    const doc = engine.request('plan', e.data.args);
    self.postMessage({ doc, seconds: (performance.now() - t0) / 1000 });
  } catch (err) {
    self.postMessage({ error: err instanceof LlmcostError ? err.message : `planner: ${err.message}` });
  }
};
