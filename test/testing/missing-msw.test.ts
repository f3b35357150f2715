/**
 * Without msw (the optional peer of `./testing`), loading the kit says in one line what to install,
 * whichever way it is loaded. The packed tarball is checked without msw by `npm run check:package`;
 * here the failed load is simulated with the errors node's loaders actually throw.
 */
import { describe, expect, it } from 'vitest';
import { canResolveMsw, isMswMissing, loadMsw, MISSING_MSW, requireMsw } from '../../src/testing/msw-peer.js';

/** What `import('msw')` throws when msw is not installed. */
const esmMissing = () =>
  Object.assign(
    new Error("Cannot find package 'msw' imported from /app/node_modules/x/dist/testing/index.js"),
    {
      code: 'ERR_MODULE_NOT_FOUND',
    },
  );
/** What `require('msw')` throws when msw is not installed. */
const cjsMissing = () =>
  Object.assign(new Error("Cannot find module 'msw'\nRequire stack:\n- /app/x.cjs"), {
    code: 'MODULE_NOT_FOUND',
  });

describe('a missing msw', () => {
  it('import(): one line saying what to install, and no resolver stack', async () => {
    const error = (await loadMsw(() => Promise.reject(esmMissing())).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(MISSING_MSW);
    expect(error.message).toContain('npm install --save-dev msw');
    expect(error.stack).toBe(`Error: ${MISSING_MSW}`);
  });

  it('require(): the same line', () => {
    expect(() =>
      requireMsw(() => {
        throw cjsMissing();
      }),
    ).toThrow(MISSING_MSW);
  });

  it('a failure inside msw, or another missing module, is not reworded', async () => {
    const inside = Object.assign(new Error("Cannot find module 'graphql'"), { code: 'MODULE_NOT_FOUND' });
    expect(isMswMissing(inside)).toBe(false);
    await expect(loadMsw(() => Promise.reject(inside))).rejects.toBe(inside);
    const broken = new SyntaxError('Unexpected token');
    expect(() =>
      requireMsw(() => {
        throw broken;
      }),
    ).toThrow(broken);
  });

  it('the bin asks the resolver first, without loading msw', () => {
    expect(
      canResolveMsw(() => {
        throw esmMissing();
      }),
    ).toBe(false);
    expect(canResolveMsw((specifier) => `file:///app/node_modules/${specifier}/index.js`)).toBe(true);
  });

  it('with msw installed, the kit loads it', async () => {
    const msw = await loadMsw(() => import('msw'));
    expect(typeof msw.http.get).toBe('function');
  });
});
