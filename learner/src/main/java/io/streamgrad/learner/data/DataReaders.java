package io.streamgrad.learner.data;

import io.streamgrad.learner.train.TrainerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads an example file in the format its options (or its name) say. */
public final class DataReaders {
    private DataReaders() {}

    /**
     * Reads every example of {@code file} (UTF-8), checked against {@code config}.
     *
     * @throws DataFormatException at the first bad line when {@code options.onError()} is {@link OnError#FAIL}
     * @throws NoSuchFileException when the file does not exist
     */
    public static Dataset read(Path file, TrainerConfig config, ReadOptions options) throws IOException {
        DataFormat format = options.format() != null ? options.format() : DataFormat.fromFileName(file);
        String name = file.toString();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return switch (format) {
                case LIBSVM -> new LibSvmReader(config, options).read(in, name);
                case CSV -> new CsvReader(config, options).read(in, name);
            };
        } catch (CharacterCodingException e) {
            throw new DataFormatException(name, 0, "not UTF-8 text (" + e + "); convert the file to UTF-8");
        }
    }
}
