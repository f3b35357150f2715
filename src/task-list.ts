/**
 * `listTasks()`: the list endpoint (`GET /tasks`) as an async iterable of tasks that fetches its pages
 * by itself. The filter is checked before anything is sent; each page is one request that spends one
 * query of the account's budget, as a `getTask()` does.
 */
import type { EndpointCall, TaskListRequest, TaskSummary } from './endpoints.js';
import { AbortError } from './errors.js';
import { formatListTime } from './internal/time.js';
import { MAX_LIST_PAGE_SIZE, type TaskListFilter, taskListFilterSchema } from './schemas.js';
import { parse } from './validation.js';

/** One page request; it spends one query of the account budget (the transport takes the token). */
export type FetchTaskPage = (
  query: TaskListRequest,
  call: EndpointCall,
) => Promise<{ items: TaskSummary[]; totalPages: number }>;

/** The wire query of `filter` without its page number, or a `ValidationError` naming every bad field. */
export function taskListQueryOf(filter: TaskListFilter): Omit<TaskListRequest, 'pageNo'> {
  const valid = parse(taskListFilterSchema, filter, 'task list filter');
  return {
    status: valid.status,
    model: valid.model,
    startTime: valid.startTime === undefined ? undefined : formatListTime(valid.startTime),
    endTime: valid.endTime === undefined ? undefined : formatListTime(valid.endTime),
    pageSize: valid.pageSize ?? MAX_LIST_PAGE_SIZE,
  };
}

/**
 * Yields every task of every page, newest first, fetching the next page only when the caller asks for
 * more (breaking out of the loop sends nothing further). Pages are read while tasks come and go, so a
 * task that moves from one page to the next between two requests would appear twice: it is yielded
 * once. One that expires meanwhile may be missed.
 */
export async function* pageThroughTasks(
  fetchPage: FetchTaskPage,
  query: Omit<TaskListRequest, 'pageNo'>,
  call: EndpointCall,
): AsyncGenerator<TaskSummary, void, undefined> {
  const seen = new Set<string>();
  for (let pageNo = 1; ; pageNo++) {
    // Between pages the caller may have aborted: nothing more is sent then, nor spent from the budget.
    if (call.signal?.aborted)
      throw new AbortError('The operation was aborted', { cause: call.signal.reason });
    const page = await fetchPage({ ...query, pageNo }, call);
    for (const item of page.items) {
      if (seen.has(item.taskId)) continue;
      seen.add(item.taskId);
      yield item;
    }
    if (pageNo >= page.totalPages || page.items.length < query.pageSize) return;
  }
}
