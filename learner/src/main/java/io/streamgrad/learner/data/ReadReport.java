package io.streamgrad.learner.data;

import java.util.List;

/**
 * What a reader did with a file.
 *
 * @param file     the file name as given
 * @param lines    lines read (header, blank and comment lines included)
 * @param examples examples kept
 * @param skipped  lines skipped as bad ({@link OnError#SKIP})
 * @param problems the first {@link ReadOptions#MAX_REPORTED_PROBLEMS} skipped lines' messages
 *                 ({@code FILE:LINE: reason})
 */
public record ReadReport(String file, long lines, long examples, long skipped, List<String> problems) {
    public ReadReport {
        problems = List.copyOf(problems);
    }
}
