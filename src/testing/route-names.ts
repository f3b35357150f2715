/** The emulated endpoints' names, on their own so that faults, rate limits and the log need nothing else. */

/** Names of the emulated endpoints, as used by faults, rate limits and the request log. */
export type RouteName =
  | 'submit'
  | 'query'
  | 'cancel'
  | 'list'
  | 'detect'
  | 'result'
  | 'getPolicy'
  | 'ossUpload';
