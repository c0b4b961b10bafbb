package dev.agentbox.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The durable side of the audit log: JSON lines appended to files {@code audit-<first event millis>-<seq>.jsonl} in
 * one directory. A file is closed once it reaches the segment size; the oldest files go once the store is over its
 * size or their events are past the retention. A line is written with one {@code write} before the call it records is
 * answered, so a crash of the server process loses nothing that was answered; a line cut short by a crash of the host
 * is skipped when reading.
 */
final class AuditStore implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("audit-(\\d+)-(\\d+)\\.jsonl");

    private final Path dir;
    private final long segmentBytes;
    private final long maxBytes;
    private final java.time.Duration retention;
    private FileChannel current;
    private Path currentPath;
    private long currentSize;
    private long sequence;
    private boolean dirty;

    AuditStore(Path dir, long segmentBytes, long maxBytes, java.time.Duration retention) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.maxBytes = maxBytes;
        this.retention = retention;
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        List<Path> segments = segments();
        if (!segments.isEmpty()) {
            Path last = segments.get(segments.size() - 1);
            Matcher name = NAME.matcher(last.getFileName().toString());
            sequence = name.matches() ? Long.parseLong(name.group(2)) : 0;
            if (Files.size(last) < segmentBytes) {
                open(last);
                endLineIfCut();
            }
        }
    }

    /** Appends one line (without its newline). */
    synchronized void append(String line) throws IOException {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (current == null || currentSize + bytes.length > segmentBytes && currentSize > 0) {
            rotate();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            current.write(buffer);
        }
        currentSize += bytes.length;
        dirty = true;
    }

    /** Forces written lines to the disk, when any were written since the last time. */
    synchronized void sync() throws IOException {
        if (dirty && current != null) {
            current.force(false);
            dirty = false;
        }
    }

    /** Deletes the oldest files past the size limit or the retention (never the file being written). */
    synchronized void prune() throws IOException {
        List<Path> segments = segments();
        long total = 0;
        for (Path segment : segments) {
            total += Files.size(segment);
        }
        Instant oldestKept = Instant.now().minus(retention);
        for (int i = 0; i < segments.size() - 1; i++) {
            Path segment = segments.get(i);
            boolean tooOld = Files.getLastModifiedTime(segment).toInstant().isBefore(oldestKept);
            if (total <= maxBytes && !tooOld) {
                break;
            }
            if (!segment.equals(currentPath)) {
                total -= Files.size(segment);
                Files.deleteIfExists(segment);
            }
        }
    }

    /**
     * Reads the lines that pass the filter, newest first.
     *
     * @param prefilter a cheap test on the raw line, applied before parsing
     * @param from only files that may hold events at or after this time are read ({@code null}: all)
     * @param to only files started before this time are read ({@code null}: all)
     * @param limit how many lines at most
     */
    List<String> newest(Predicate<String> prefilter, Instant from, Instant to, int limit) throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> segments = segments(from, to);
        for (int i = segments.size() - 1; i >= 0 && found.size() < limit; i--) {
            List<String> matches = new ArrayList<>();
            forEachLine(segments.get(i), line -> {
                if (prefilter.test(line)) {
                    matches.add(line);
                }
            });
            for (int j = matches.size() - 1; j >= 0 && found.size() < limit; j--) {
                found.add(matches.get(j));
            }
        }
        return found;
    }

    /**
     * Passes every line of the files that may hold events between the two times to the consumer, oldest first.
     */
    void oldestFirst(Instant from, Instant to, java.util.function.Consumer<String> consumer) throws IOException {
        for (Path segment : segments(from, to)) {
            forEachLine(segment, consumer);
        }
    }

    private void forEachLine(Path segment, java.util.function.Consumer<String> consumer) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(segment, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("{") && line.endsWith("}")) {
                    consumer.accept(line);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // pruned meanwhile
        }
    }

    private List<Path> segments(Instant from, Instant to) throws IOException {
        List<Path> all = segments();
        List<Path> chosen = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            long start = startMillis(all.get(i));
            long nextStart = i + 1 < all.size() ? startMillis(all.get(i + 1)) : Long.MAX_VALUE;
            if (to != null && start > to.toEpochMilli()) {
                continue;
            }
            if (from != null && nextStart < from.toEpochMilli()) {
                continue;
            }
            chosen.add(all.get(i));
        }
        return chosen;
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> NAME.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(AuditStore::startMillis)
                            .thenComparingLong(AuditStore::sequenceOf))
                    .toList();
        }
    }

    private static long startMillis(Path segment) {
        Matcher name = NAME.matcher(segment.getFileName().toString());
        return name.matches() ? Long.parseLong(name.group(1)) : 0;
    }

    private static long sequenceOf(Path segment) {
        Matcher name = NAME.matcher(segment.getFileName().toString());
        return name.matches() ? Long.parseLong(name.group(2)) : 0;
    }

    private void rotate() throws IOException {
        if (current != null) {
            current.force(false);
            current.close();
        }
        sequence++;
        open(dir.resolve("audit-" + System.currentTimeMillis() + "-" + sequence + ".jsonl"));
        prune();
    }

    private void open(Path path) throws IOException {
        current = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        currentPath = path;
        currentSize = current.size();
    }

    /** A crash of the host can leave the last line cut; the next event must start on a line of its own. */
    private void endLineIfCut() throws IOException {
        if (currentSize == 0) {
            return;
        }
        try (FileChannel read = FileChannel.open(currentPath, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            read.read(last, currentSize - 1);
            if (last.get(0) != '\n') {
                current.write(ByteBuffer.wrap(new byte[] { '\n' }));
                currentSize++;
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (current != null) {
            current.force(false);
            current.close();
            current = null;
        }
    }
}
