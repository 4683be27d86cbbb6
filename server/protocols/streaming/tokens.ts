import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import { delayBefore, fullText, type TokenPlan, tokenAt } from './generator';
import { LiveExchange, sleep } from './live';
import { choiceParam, intParam } from './params';

export const TOKEN_MODES = ['stream', 'complete'] as const;

/**
 * GET /api/stream/tokens?mode=stream|complete&tokens=&pace=&think=
 *
 * Generates an answer token by token at the given pace. `stream` writes each
 * token as it is made (a chunked response the page reads with a
 * ReadableStream); `complete` makes the same tokens at the same pace but sends
 * them in one body, with a Content-Length, after the last one. Either way,
 * generation stops as soon as the client goes away: the loop checks the
 * exchange's signal before every token.
 */
export function createTokens(lab: Lab) {
  return async function tokens(ctx: SessionContext): Promise<void> {
    const { url, res } = ctx;
    const mode = choiceParam(url, 'mode', TOKEN_MODES, 'stream');
    const plan: TokenPlan = {
      count: intParam(url, 'tokens', { min: 1, max: 2_000, fallback: 120 }),
      paceMs: intParam(url, 'pace', { min: 0, max: 1_000, fallback: 40 }),
      thinkMs: intParam(url, 'think', { min: 0, max: 5_000, fallback: 300 }),
    };
    const live = new LiveExchange(lab, ctx, `token ${mode === 'stream' ? 'stream' : 'answer (complete)'}`, { mode, ...plan });
    let generated = 0;
    live.onCloseFields(() => ({ generated, of: plan.count }));
    await lab.faults.delay(ctx.sessionId);

    if (mode === 'stream') {
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      // Headers go now, before the first token: the client knows the answer has started.
      res.flushHeaders();
    }
    for (let i = 0; i < plan.count; i++) {
      await sleep(delayBefore(i, plan), live.signal);
      if (live.stopped) break;
      const token = tokenAt(i);
      generated += 1;
      if (mode === 'stream') {
        res.write(token);
        live.record(
          'frame',
          `token ${i + 1}/${plan.count}: ${JSON.stringify(token)}`,
          { index: i + 1 },
          {
            dir: 'out',
            bytes: Buffer.byteLength(token),
            body: token,
          },
        );
      }
    }
    if (live.stopped) {
      live.note(`generation stopped after ${generated} of ${plan.count} tokens: the client went away`, { generated });
      return;
    }
    if (mode === 'stream') {
      res.end();
      return;
    }
    const body = fullText(plan.count);
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
    live.record(
      'response',
      `sent the whole answer at once: ${plan.count} tokens, ${Buffer.byteLength(body)} bytes`,
      {},
      {
        dir: 'out',
        bytes: Buffer.byteLength(body),
      },
    );
  };
}
