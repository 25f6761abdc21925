export { type BodyCursorPaginationOptions, paginateBodyCursor } from "./body-cursor.ts";
export { type LinkPaginationOptions, paginateLink, parseLinkHeader } from "./link.ts";
export { type OffsetPaginationOptions, paginateOffset } from "./offset.ts";
export { type PageNumberPaginationOptions, paginatePageNumber } from "./page-number.ts";
