// One load run, configured by the JSON file named in BENCH_CONFIG:
// { url, headers, mode: "closed" | "open", vus, rate, duration, bodiesPath, payloadField, perVu, summaryPath }.
// Each entry of the bodies file is one iteration: a request body, or { steps: [{ body, headers,
// payloadField }] } sent in order (e.g. add to cart, then check out); "__ITER__" in a step body
// becomes a value unique to the iteration. With perVu, each virtual user keeps to its own entry.
// Closed model: a fixed number of virtual users sending back to back (maximum throughput).
// Open model: a fixed arrival rate (constant-arrival-rate), so a slow response delays no
// later request and latency is free of coordinated omission; iterations k6 could not
// start on time are counted as dropped_iterations and fail the run.
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { SharedArray } from 'k6/data';

const config = JSON.parse(open(__ENV.BENCH_CONFIG));
const bodies = new SharedArray('bodies', () => JSON.parse(open(config.bodiesPath)));
const badResponses = new Counter('bad_responses');
const cacheHits = new Counter('cache_hits');

export const options = {
  discardResponseBodies: false,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  scenarios: {
    load:
      config.mode === 'open'
        ? { executor: 'constant-arrival-rate', rate: config.rate, timeUnit: '1s', duration: config.duration, preAllocatedVUs: config.vus, maxVUs: config.vus * 4 }
        : { executor: 'constant-vus', vus: config.vus, duration: config.duration },
  },
};

const headers = Object.assign({ 'content-type': 'application/json' }, config.headers);
let reported = 0;

export default function () {
  const index = config.perVu ? exec.vu.idInTest - 1 : exec.scenario.iterationInTest;
  const entry = bodies[index % bodies.length];
  if (typeof entry === 'string') return send(entry, headers, config.payloadField);
  const iteration = `${exec.vu.idInTest}-${exec.vu.iterationInScenario}-${Date.now()}`;
  for (const step of entry.steps) {
    if (!send(step.body.split('__ITER__').join(iteration), Object.assign({}, headers, step.headers), step.payloadField)) return;
  }
}

function send(body, requestHeaders, payloadField) {
  const response = http.post(config.url, body, { headers: requestHeaders });
  if (response.headers['X-Response-Cache'] === 'hit') cacheHits.add(1);
  if (isGood(response, payloadField)) return true;
  badResponses.add(1);
  if (reported < 3) {
    reported += 1;
    console.error(`bad response ${response.status}: ${String(response.body).slice(0, 300)}`);
  }
  return false;
}

function isGood(response, payloadField) {
  if (response.status !== 200 || typeof response.body !== 'string') return false;
  // Without a payload to inspect, the text decides: an error list can only appear as the key
  // "errors" (inside a string value its quotes would be escaped), and data that is present is an
  // object. Parsing every catalog page in k6's JavaScript engine cost about as much CPU as a
  // subgraph, on the same two cores as the gateways it measures.
  if (!payloadField) return response.body.indexOf('"errors"') === -1 && response.body.indexOf('"data":{') !== -1;
  let parsed;
  try {
    parsed = JSON.parse(response.body);
  } catch (_) {
    return false;
  }
  if (!parsed || parsed.errors || !parsed.data) return false;
  if (payloadField) {
    const payload = parsed.data[payloadField];
    if (!payload || (!config.acceptUserErrors && payload.userErrors && payload.userErrors.length > 0)) return false;
  }
  return true;
}

export function handleSummary(data) {
  return { [config.summaryPath]: JSON.stringify(data) };
}
