package io.streamgrad.learner.recs;

import io.streamgrad.learner.data.DataFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads interaction files: CSV with a header naming the columns {@code user}, {@code item}, {@code timestamp}
 * and optionally {@code rating} (any order, other columns ignored), plus one column per context field of the model
 * ({@link #read(Path, List)}: a column named like the field, e.g. {@code device}; an empty cell means the
 * interaction has no id for that field). Ids are taken verbatim (strings; numbers are
 * ids like any other). {@code timestamp} is epoch seconds (an integer or decimal) or an ISO-8601 instant
 * ({@code 2010-12-01T08:26:00Z}). Lines must be in timestamp order (equal timestamps keep file order). Every
 * problem names {@code file:line} and the fix.
 */
public final class InteractionCsv {
    private InteractionCsv() {}

    public static List<Interaction> read(Path file) throws IOException {
        return read(file, List.of());
    }

    /** Reads {@code file} with a column for each of {@code contextFields} (required in the header). */
    public static List<Interaction> read(Path file, List<String> contextFields) throws IOException {
        List<Interaction> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null) {
                throw new DataFormatException(
                        file.toString(),
                        1,
                        "empty file; an interaction file starts with a header "
                                + "line such as 'user,item,timestamp' or 'user,item,rating,timestamp'");
            }
            String[] names = header.replace("\uFEFF", "").split(",", -1);
            int user = -1;
            int item = -1;
            int rating = -1;
            int time = -1;
            int[] ctx = new int[contextFields.size()];
            java.util.Arrays.fill(ctx, -1);
            for (int c = 0; c < names.length; c++) {
                String name = names[c].trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "user" -> user = c;
                    case "item" -> item = c;
                    case "rating" -> rating = c;
                    case "timestamp" -> time = c;
                    default -> {
                        int k = contextFields.indexOf(name);
                        if (k >= 0) {
                            ctx[k] = c;
                        }
                    }
                }
            }
            List<String> missing = new ArrayList<>();
            for (int k = 0; k < ctx.length; k++) {
                if (ctx[k] < 0) {
                    missing.add(contextFields.get(k));
                }
            }
            if (!missing.isEmpty()) {
                throw new DataFormatException(
                        file.toString(),
                        1,
                        "header '" + header + "' lacks the context column(s) " + missing
                                + " the model's config declares under 'context'; add the column(s) (an empty cell "
                                + "means no id) or remove the field(s) from the config");
            }
            if (user < 0 || item < 0 || time < 0) {
                throw new DataFormatException(
                        file.toString(),
                        1,
                        "header '" + header + "' lacks "
                                + (user < 0 ? "'user' " : "") + (item < 0 ? "'item' " : "")
                                + (time < 0 ? "'timestamp' " : "")
                                + "; the header must name the columns user, item, timestamp (and optionally rating)");
            }
            int needed = Math.max(Math.max(user, item), Math.max(rating, time)) + 1;
            for (int c : ctx) {
                needed = Math.max(needed, c + 1);
            }
            long previous = Long.MIN_VALUE;
            String line;
            int lineNo = 1;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length < needed) {
                    throw new DataFormatException(
                            file.toString(),
                            lineNo,
                            "has " + f.length + " fields, the header names " + names.length
                                    + "; fix the line (ids may not contain commas)");
                }
                String u = f[user].trim();
                String i = f[item].trim();
                if (u.isEmpty() || i.isEmpty()) {
                    throw new DataFormatException(
                            file.toString(),
                            lineNo,
                            "empty " + (u.isEmpty() ? "user" : "item") + " id; fill it in or drop the line");
                }
                double rv = Double.NaN;
                if (rating >= 0) {
                    try {
                        rv = Double.parseDouble(f[rating].trim());
                    } catch (NumberFormatException e) {
                        throw new DataFormatException(
                                file.toString(),
                                lineNo,
                                "rating '" + f[rating] + "' is not a number; fix it, or "
                                        + "drop the rating column for implicit feedback");
                    }
                    if (!Double.isFinite(rv)) {
                        throw new DataFormatException(
                                file.toString(), lineNo, "rating '" + f[rating] + "' is not finite; fix it");
                    }
                }
                long t = parseTime(f[time].trim(), file, lineNo);
                if (t < previous) {
                    throw new DataFormatException(
                            file.toString(),
                            lineNo,
                            "timestamp " + f[time].trim() + " is before the previous "
                                    + "line's; interactions must be in timestamp order: sort the file by its timestamp column "
                                    + "(keeping the header first)");
                }
                previous = t;
                Map<String, String> context = Map.of();
                if (ctx.length > 0) {
                    context = new LinkedHashMap<>();
                    for (int k = 0; k < ctx.length; k++) {
                        String id = f[ctx[k]].trim();
                        if (!id.isEmpty()) {
                            context.put(contextFields.get(k), id);
                        }
                    }
                }
                out.add(new Interaction(u, i, rv, t, context));
            }
        }
        return out;
    }

    private static long parseTime(String s, Path file, int lineNo) throws DataFormatException {
        try {
            if (s.indexOf('T') > 0) {
                return Instant.parse(s).toEpochMilli();
            }
            return Math.round(Double.parseDouble(s) * 1000.0);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new DataFormatException(
                    file.toString(),
                    lineNo,
                    "timestamp '" + s + "' is neither epoch seconds nor an ISO-8601 "
                            + "instant such as 2010-12-01T08:26:00Z; fix it");
        }
    }
}
