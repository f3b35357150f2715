/**
 * The temporary storage's routes: `GET /uploads?action=getPolicy` hands out a signed POST policy and
 * `POST {origin}/oss-upload` plays the OSS bucket; the store itself is uploads.ts.
 */
import type { Route, RouteContext } from './route-types.js';
import type { DashScopeEmulator } from './state.js';
import type { UploadStore } from './uploads.js';
import { errorResponse, jsonResponse } from './wire.js';

/** The temporary storage of `emulator`; the same as `emulator.uploads`. */
export function uploadsOf(emulator: DashScopeEmulator): UploadStore {
  return emulator.uploads;
}

/**
 * The first `oss://` URL among `urls` that `account` has not uploaded (or that expired), if any.
 * (uncertain) DashScope's answer to such a URL is not documented; the emulator refuses it with
 * 400 `InvalidURL` at submit time.
 */
export function missingOssUrl(
  emulator: DashScopeEmulator,
  account: string,
  urls: string[],
): string | undefined {
  return urls.find((url) => url.startsWith('oss://') && !uploadsOf(emulator).get(url, account));
}

/** The 400 answer for {@link missingOssUrl}. */
export function missingOssResponse(url: string, requestId: string): Response {
  const message = `The oss resource ${url} does not exist or has expired (temporary files live 48 hours).`;
  return errorResponse({ status: 400, code: 'InvalidURL', message }, requestId);
}

const getPolicy = ({ request, emulator, requestId, account, resultsOrigin }: RouteContext): Response => {
  const params = new URL(request.url).searchParams;
  if (params.get('action') !== 'getPolicy' || !params.get('model')) {
    const message = 'action=getPolicy and model are required.';
    return errorResponse({ status: 400, code: 'InvalidParameter', message }, requestId);
  }
  const data = uploadsOf(emulator).issuePolicy(account, `${resultsOrigin}/oss-upload`);
  return jsonResponse({ request_id: requestId, data });
};

const ossUpload = async ({ request, emulator }: RouteContext): Promise<Response> => {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return ossXml(400, 'InvalidArgument', 'The body is not a multipart form.');
  }
  const result = await uploadsOf(emulator).accept(form);
  if (!result.ok) return ossXml(result.status, result.code, result.message);
  // success_action_status=200 asks for an empty 200; OSS's default is 204.
  return new Response(null, { status: form.get('success_action_status') === '200' ? 200 : 204 });
};

function ossXml(status: number, code: string, message: string): Response {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n</Error>\n`;
  return new Response(body, { status, headers: { 'content-type': 'application/xml' } });
}

/** The routes of the temporary storage, for the route table. */
export const UPLOAD_ROUTES: readonly Route[] = [
  { name: 'getPolicy', method: 'GET', path: '/uploads', base: 'api', auth: true, handle: getPolicy },
  // The bucket checks the policy's signature, not an API key, like OSS.
  { name: 'ossUpload', method: 'POST', path: '/oss-upload', base: 'results', auth: false, handle: ossUpload },
];
