import { Agent, type Dispatcher } from "undici";

/**
 * A dispatcher for the GitHub source that runs `between` once, just before the first request
 * for page 2 of the organization's repository listing: a change made there (a repository
 * deleted) shifts every later item one place up, so the listing skips one, as GitHub's
 * page-number pagination does.
 */
export function shiftingListing(between: () => void): Dispatcher {
  let done = false;
  return new Agent().compose((dispatch) => (options, handler) => {
    const path = String(options.path ?? "");
    if (!done && /\/repos\?/.test(path) && /[?&]page=2(&|$)/.test(path)) {
      done = true;
      between();
    }
    return dispatch(options, handler);
  });
}
