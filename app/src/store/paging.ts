// A page of a list ordered by id, with the total the X-Total-Count header reports.
export interface Page { limit: number; offset: number }
export interface PageOf<T> { items: T[]; total: number }
