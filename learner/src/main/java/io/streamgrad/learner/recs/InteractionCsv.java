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
import java.util.List;
import java.util.Locale;

/**
 * Reads interaction files: CSV with a header naming the columns {@code user}, {@code item}, {@code timestamp}
 * and optionally {@code rating} (any order, other columns ignored). Ids are taken verbatim (strings; numbers are
 * ids like any other). {@code timestamp} is epoch seconds (an integer or decimal) or an ISO-8601 instant
 * ({@code 2010-12-01T08:26:00Z}). Lines must be in timestamp order (equal timestamps keep file order). Every
 * problem names {@code file:line} and the fix.
 */
public final class InteractionCsv {
    private InteractionCsv() {}

    public static List<Interaction> read(Path file) throws IOException {
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
            for (int c = 0; c < names.length; c++) {
                switch (names[c].trim().toLowerCase(Locale.ROOT)) {
                    case "user" -> user = c;
                    case "item" -> item = c;
                    case "rating" -> rating = c;
                    case "timestamp" -> time = c;
                    default -> {}
                }
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
                out.add(new Interaction(u, i, rv, t));
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
