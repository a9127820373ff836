package dev.ladder.http;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** One page of a newest-first list, with the cursor of the next page (null on the last). */
public record Page<T>(List<T> items, String next) {

    /**
     * Builds a page from up to limit+1 rows (the extra row only tells that there is a next page).
     */
    public static <R, T> Page<T> of(List<R> rows, int limit, ToLongFunction<R> idOf, Function<R, T> view) {
        boolean more = rows.size() > limit;
        List<R> shown = more ? rows.subList(0, limit) : rows;
        String next = more ? Cursor.encode(idOf.applyAsLong(shown.getLast())) : null;
        return new Page<>(shown.stream().map(view).toList(), next);
    }
}
