import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClassifier, createLlmClassifier, parseLlmAnswer } from '../src/index.ts';
import type { Classifier, Intent, LlmFailureReason } from '../src/index.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
type Received = { headers: IncomingMessage['headers']; body: Record<string, unknown> };

let server: Server;
let url: string;
let handler: Handler;
let received: Received[];

const FALLBACK_INTENT: Intent = { label: 'unknown', confidence: 0, classifier: 'stub-fallback' };
const fallback: Classifier = { name: 'stub-fallback', classify: async () => FALLBACK_INTENT };

function completion(content: string): string {
  return JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
}

function answer(content: string): Handler {
  return (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion(content));
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  handler = answer('{"label":"question","confidence":0.83}');
});

function llm(extra: { onFallback?: (reason: LlmFailureReason) => void; timeoutMs?: number; apiKey?: string } = {}): Classifier {
  return createLlmClassifier({ url, model: 'test-model', apiKey: 'secret-key', timeoutMs: 2000, fallback, ...extra });
}

describe('createLlmClassifier against a local fake API', () => {
  test('a valid answer is used, and the request has the OpenAI chat completions shape', async () => {
    const intent = await llm().classify({ text: 'vous livrez en Corse ?', channel: 'sms' });
    expect(intent).toEqual({ label: 'question', confidence: 0.83, classifier: 'llm:test-model' });
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(headers.authorization).toBe('Bearer secret-key');
    expect(body).toMatchObject({ model: 'test-model', temperature: 0, response_format: { type: 'json_object' } });
    const messages = body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(JSON.parse(messages[1]!.content)).toEqual({ text: 'vous livrez en Corse ?', channel: 'sms' });
  });

  test('the answer may come wrapped in a markdown fence', async () => {
    handler = answer('```json\n{"label":"opt_in","confidence":0.9}\n```');
    await expect(llm().classify({ text: 'inscrivez-moi' })).resolves.toEqual({ label: 'opt_in', confidence: 0.9, classifier: 'llm:test-model' });
  });

  test('no Authorization header is sent without an api key', async () => {
    await createLlmClassifier({ url, model: 'test-model', fallback }).classify({ text: 'hello there' });
    expect(received[0]!.headers.authorization).toBeUndefined();
  });

  test.each<[string, Handler, LlmFailureReason]>([
    [
      'an HTTP 500',
      (_req, _body, res) => {
        res.writeHead(500);
        res.end('boom');
      },
      'http_status',
    ],
    [
      'a body that is not JSON',
      (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html>gateway</html>');
      },
      'bad_response',
    ],
    ['content that is not JSON', answer('I think this is a question.'), 'bad_response'],
    ['a label outside the label set', answer('{"label":"maybe_interested","confidence":0.7}'), 'bad_label'],
    ['a missing confidence', answer('{"label":"question"}'), 'bad_response'],
    ['a confidence above 1', answer('{"label":"question","confidence":7}'), 'bad_response'],
    [
      'no choices',
      (_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices":[]}');
      },
      'bad_response',
    ],
  ])('%s falls back', async (_name, h, reason) => {
    handler = h;
    const reasons: LlmFailureReason[] = [];
    await expect(llm({ onFallback: (r) => reasons.push(r) }).classify({ text: 'une question' })).resolves.toEqual(FALLBACK_INTENT);
    expect(reasons).toEqual([reason]);
  });

  test('an answer slower than timeoutMs falls back', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    handler = (_req, _body, res) => {
      void released.then(() => answer('{"label":"question","confidence":0.9}')(_req, _body, res));
    };
    const reasons: LlmFailureReason[] = [];
    const intent = await llm({ timeoutMs: 50, onFallback: (r) => reasons.push(r) }).classify({ text: 'allo ?' });
    release();
    expect(intent).toEqual(FALLBACK_INTENT);
    expect(reasons).toEqual(['timeout']);
  });

  test('an unreachable endpoint falls back', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const reasons: LlmFailureReason[] = [];
    const c = createLlmClassifier({ url: `http://127.0.0.1:${port}/v1/chat/completions`, model: 'm', fallback, onFallback: (r) => reasons.push(r) });
    await expect(c.classify({ text: 'hello' })).resolves.toEqual(FALLBACK_INTENT);
    expect(reasons).toEqual(['network']);
  });

  test('compliance keywords are answered locally and never reach the server', async () => {
    const c = createLlmClassifier({ url, model: 'test-model', fallback, serviceKeywords: ['HORAIRES'] });
    await expect(c.classify({ text: ' Stop! ' })).resolves.toEqual({ label: 'opt_out', confidence: 1, classifier: 'keyword' });
    await expect(c.classify({ text: 'arrêt' })).resolves.toEqual({ label: 'opt_out', confidence: 1, classifier: 'keyword' });
    await expect(c.classify({ text: 'START' })).resolves.toEqual({ label: 'opt_in', confidence: 1, classifier: 'keyword' });
    await expect(c.classify({ text: 'horaires' })).resolves.toEqual({ label: 'info_request', confidence: 1, classifier: 'keyword' });
    expect(received).toHaveLength(0);
  });

  test('classifyMany keeps input order and still skips the server for keywords', async () => {
    handler = (_req, body, res) => {
      const text = (JSON.parse(JSON.parse(body).messages[1].content) as { text: string }).text;
      answer(JSON.stringify({ label: text.includes('call') ? 'callback_request' : 'interested', confidence: 0.7 }))(_req, body, res);
    };
    const intents = await llm().classifyMany!([{ text: 'call me' }, { text: 'STOP' }, { text: 'love it' }, { text: 'call later' }]);
    expect(intents.map((i) => i.label)).toEqual(['callback_request', 'opt_out', 'interested', 'callback_request']);
    expect(received).toHaveLength(3);
  });

  test('the message text is never logged, even on failures', async () => {
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const original = methods.map((m) => console[m]);
    const calls: unknown[][] = [];
    for (const m of methods) console[m] = (...args: unknown[]) => void calls.push(args);
    try {
      handler = answer('not json at all');
      await llm().classify({ text: 'my secret phone number is 0612345678' });
      handler = answer('{"label":"question","confidence":0.5}');
      await llm().classify({ text: 'my secret phone number is 0612345678' });
    } finally {
      methods.forEach((m, i) => (console[m] = original[i]!));
    }
    expect(calls).toEqual([]);
  });

  test("createClassifier({kind: 'llm'}) falls back to the built-in classifier", async () => {
    handler = answer('{"label":"nonsense","confidence":1}');
    const c = createClassifier({ kind: 'llm', url, model: 'test-model', timeoutMs: 2000 });
    expect(c.name).toBe('llm:test-model');
    await expect(c.classify({ text: 'rappelez-moi demain' })).resolves.toMatchObject({ label: 'callback_request', classifier: 'builtin-v2' });
  });

  test('what the opt-out stage flags is answered by the fallback and never reaches the server', async () => {
    handler = answer('{"label":"opt_in","confidence":0.99}');
    const c = createClassifier({ kind: 'llm', url, model: 'test-model', timeoutMs: 2000 });
    await expect(c.classify({ text: 'please take me off your list' })).resolves.toMatchObject({ label: 'opt_out', classifier: 'opt-out-stage' });
    await expect(c.classify({ text: 'Qui vous a donné mon numéro ? Effacez-le' })).resolves.toMatchObject({ label: 'opt_out', classifier: 'opt-out-stage' });
    expect(received).toHaveLength(0);
  });
});

describe('parseLlmAnswer', () => {
  test('accepts a well-formed answer and rejects an unknown label', () => {
    expect(parseLlmAnswer(JSON.parse(completion('{"label":"auto_reply","confidence":1}')))).toEqual({ label: 'auto_reply', confidence: 1 });
    expect(() => parseLlmAnswer(JSON.parse(completion('{"label":"spam","confidence":1}')))).toThrow('bad_label');
  });
});
