import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/testing/index.js';

describe('emulator.reset()', () => {
  it('forgets temporary-storage policies and files too', async () => {
    const emulator = createEmulator();
    const policy = emulator.uploads.issuePolicy('acct', 'http://127.0.0.1:9/oss-upload');
    const form = new FormData();
    for (const [name, value] of Object.entries({
      OSSAccessKeyId: policy.oss_access_key_id,
      Signature: policy.signature,
      policy: policy.policy,
      key: `${policy.upload_dir}/face.png`,
      'x-oss-object-acl': policy.x_oss_object_acl,
      'x-oss-forbid-overwrite': policy.x_oss_forbid_overwrite,
      success_action_status: '200',
    })) {
      form.set(name, String(value));
    }
    form.set('file', new Blob([new Uint8Array([1, 2, 3])]));
    expect(await emulator.uploads.accept(form)).toEqual({ ok: true });
    expect(emulator.uploads.all()).toHaveLength(1);
    emulator.reset();
    expect(emulator.uploads.all()).toHaveLength(0);
  });
});
