/** Task life cycle on a fake clock: statuses, time scaling, scripts, cancel, expiry, accounts, list. */
import { describe, expect, it } from 'vitest';
import { harness, KEY } from './helpers.js';

describe('task life cycle', () => {
  it('goes PENDING → RUNNING → SUCCEEDED by default durations that grow with the audio', async () => {
    const { call, submit, clock } = await harness();
    const short = await submit({ input: { audio_url: 'https://example.com/a.mp3?duration=2' } });
    const long = await submit({ input: { audio_url: 'https://example.com/b.mp3?duration=60' } });
    const status = async (id: string) => (await call('GET', `/tasks/${id}`)).json.output.task_status;

    expect(await status(short)).toBe('PENDING');
    clock.advance(4000); // the default queue time
    expect([await status(short), await status(long)]).toEqual(['RUNNING', 'RUNNING']);
    clock.advance(2000 * 2 + 4000); // default run time: 4 s + 2 s per second of audio
    expect([await status(short), await status(long)]).toEqual(['SUCCEEDED', 'RUNNING']);
    clock.advance(2000 * 58);
    expect(await status(long)).toBe('SUCCEEDED');
  });

  it('timeScale shortens every task duration', async () => {
    const { call, submit, clock } = await harness({ timeScale: 0.01, queueMs: 10_000, runMs: 20_000 });
    const taskId = await submit();
    clock.advance(99);
    expect((await call('GET', `/tasks/${taskId}`)).json.output.task_status).toBe('PENDING');
    clock.advance(1);
    expect((await call('GET', `/tasks/${taskId}`)).json.output.task_status).toBe('RUNNING');
    clock.advance(200);
    expect((await call('GET', `/tasks/${taskId}`)).json.output.task_status).toBe('SUCCEEDED');
  });

  it('follows scripts first (by rule, a number of times), then the built-in rules', async () => {
    const { emu, submit, clock } = await harness({ queueMs: 0, runMs: 0 });
    emu.tasks.script({
      times: 1,
      runMs: 5000,
      outcome: { status: 'FAILED', code: 'InternalError.Algo', message: 'algorithm failed' },
    });
    emu.tasks.script({
      when: (input) => input.imageUrl.includes('stuck'),
      queueMs: Number.POSITIVE_INFINITY,
    });
    const scripted = await submit();
    const plain = await submit();
    const stuck = await submit({ input: { image_url: 'https://example.com/stuck.png' } });
    const failing = await submit({ input: { audio_url: 'https://example.com/will-fail.mp3' } });
    clock.advance(24 * 3_600_000 - 1);
    expect(emu.tasks.get(scripted)).toMatchObject({
      status: 'FAILED',
      outcome: { code: 'InternalError.Algo' },
      endedAt: emu.tasks.get(scripted)!.submittedAt + 5000,
    });
    expect(emu.tasks.get(plain)?.status).toBe('SUCCEEDED');
    expect(emu.tasks.get(stuck)).toMatchObject({ status: 'PENDING', scheduledAt: undefined });
    expect(emu.tasks.get(failing)?.outcome).toMatchObject({ status: 'FAILED', code: 'InvalidURL' });
    expect(emu.stats.tasksCreated).toBe(4);
  });

  it('update() changes the plan of an existing task', async () => {
    const { emu, submit, clock } = await harness({ queueMs: Number.POSITIVE_INFINITY });
    const taskId = await submit();
    clock.advance(10_000);
    expect(emu.tasks.get(taskId)?.status).toBe('PENDING');
    emu.tasks.update(taskId, {
      queueMs: 10_000,
      runMs: 0,
      outcome: { status: 'FAILED', code: 'X', message: 'y' },
    });
    expect(emu.tasks.get(taskId)?.status).toBe('FAILED');
    expect(() => emu.tasks.update('nope', {})).toThrow(/no emulated task/);
  });

  it('expires tasks to UNKNOWN after the retention time', async () => {
    const { call, submit, clock } = await harness({ retentionMs: 60_000, queueMs: 0, runMs: 0 });
    const taskId = await submit();
    clock.advance(59_999);
    expect((await call('GET', `/tasks/${taskId}`)).json.output.task_status).toBe('SUCCEEDED');
    clock.advance(1);
    const expired = await call('GET', `/tasks/${taskId}`);
    expect(expired.json.output).toEqual({ task_id: taskId, task_status: 'UNKNOWN' });
    expect((await call('GET', '/tasks')).json.total).toBe(0);
  });

  it('hides a task from other accounts, but not from other keys of the same account', async () => {
    const { call, submit } = await harness({
      apiKeys: [KEY, { key: 'sk-colleague', account: KEY }, 'sk-stranger'],
    });
    const taskId = await submit();
    const asColleague = await call('GET', `/tasks/${taskId}`, { key: 'sk-colleague' });
    const asStranger = await call('GET', `/tasks/${taskId}`, { key: 'sk-stranger' });
    expect(asColleague.json.output.task_status).toBe('PENDING');
    expect(asStranger.json.output.task_status).toBe('UNKNOWN');
    expect((await call('POST', `/tasks/${taskId}/cancel`, { key: 'sk-stranger' })).status).toBe(400);
  });
});

describe('cancel', () => {
  it('cancels a PENDING task, which then reads CANCELED with its end_time', async () => {
    const { call, submit, clock } = await harness({ queueMs: 10_000 });
    const taskId = await submit();
    clock.advance(500);
    expect((await call('POST', `/tasks/${taskId}/cancel`)).status).toBe(200);
    clock.advance(60_000);
    const answer = await call('GET', `/tasks/${taskId}`);
    expect(answer.json.output).toEqual({
      task_id: taskId,
      task_status: 'CANCELED',
      submit_time: '2025-12-26 11:33:03.146',
      end_time: '2025-12-26 11:33:03.646',
    });
  });

  it('refuses RUNNING and finished tasks with UnsupportedOperation, and unknown ones', async () => {
    const { call, submit, clock } = await harness({ queueMs: 1000, runMs: 1000 });
    const taskId = await submit();
    clock.advance(1000);
    const running = await call('POST', `/tasks/${taskId}/cancel`);
    expect(running.status).toBe(400);
    expect(running.json.code).toBe('UnsupportedOperation');
    clock.advance(1000);
    expect((await call('POST', `/tasks/${taskId}/cancel`)).json.code).toBe('UnsupportedOperation');
    const unknown = await call('POST', '/tasks/no-such-task/cancel');
    expect(unknown.status).toBe(400);
    expect(unknown.json.code).toBe('InvalidParameter');
  });
});

describe('list', () => {
  it('filters by status, time window and model, newest first, paged', async () => {
    const { call, submit, clock } = await harness({ queueMs: 1000, runMs: 1000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await submit());
      clock.advance(60_000); // one task a minute, each finished a minute later
    }
    const queued = await submit(); // submitted at 11:38:03 Beijing time, still PENDING

    const all = await call('GET', '/tasks?page_no=1&page_size=10');
    expect(all.json).toMatchObject({ total: 6, total_page: 1, page_no: 1, page_size: 10 });
    expect(all.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([
      queued,
      ...[...ids].reverse(),
    ]);
    expect(all.json.data[1]).toEqual({
      task_id: ids[4],
      request_id: expect.any(String),
      status: 'SUCCEEDED',
      model_name: 'liveportrait',
      region: 'cn-beijing',
      gmt_create: Date.UTC(2025, 11, 26, 3, 37, 3, 146),
      start_time: Date.UTC(2025, 11, 26, 3, 37, 4, 146),
      end_time: Date.UTC(2025, 11, 26, 3, 37, 5, 146),
      gmt_modified: Date.UTC(2025, 11, 26, 3, 37, 5, 146),
    });

    const succeeded = await call('GET', '/tasks?status=SUCCEEDED&model_name=liveportrait');
    expect(succeeded.json.total).toBe(5);
    expect((await call('GET', '/tasks?status=PENDING')).json.data[0].task_id).toBe(queued);
    expect((await call('GET', '/tasks?model_name=wanx-v1')).json.total).toBe(0);

    // 11:34:00 to 11:36:03 (Beijing) covers the tasks of 11:34:03, 11:35:03 and 11:36:03.
    const window = await call('GET', '/tasks?start_time=20251226113400&end_time=20251226113603');
    expect(window.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([
      ids[3],
      ids[2],
      ids[1],
    ]);

    const page2 = await call('GET', '/tasks?page_no=2&page_size=4');
    expect(page2.json).toMatchObject({ total: 6, total_page: 2, page_no: 2, page_size: 4 });
    expect(page2.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([ids[1], ids[0]]);
  });

  it('rejects malformed list parameters with 400 InvalidParameter', async () => {
    const { call } = await harness();
    for (const query of [
      'start_time=2025-12-26',
      'end_time=20251332000000',
      'status=DONE',
      'page_no=0',
      'page_size=101',
    ]) {
      const answer = await call('GET', `/tasks?${query}`);
      expect([query, answer.status, answer.json.code]).toEqual([query, 400, 'InvalidParameter']);
    }
  });
});
