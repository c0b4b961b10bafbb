package dev.agentbox.sandbox.kubernetes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.records.CaptureFile;
import dev.agentbox.sandbox.records.ExitRecord;

/**
 * How an exec ended, as the pod-side {@code result} function prints it: the exit record and both outputs, or, when
 * the helper left no exit record, the end of its log and its exit status.
 */
final class ExecEnding {

    private final ObjectMapper json;
    private ExitRecord exit;
    private boolean exitSeen;
    private final List<CapturedOutput> outputs = new ArrayList<>(2);
    private String helperLog = "";
    private String helperStatus = "-";

    ExecEnding(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Takes one reply item; items that are not part of a result are ignored.
     */
    void accept(ReplyParser.Item item) {
        switch (item.tag()) {
            case 'X' -> {
                exitSeen = true;
                exit = item.data().length == 0 ? null : exitRecord(json, item.data());
            }
            case 'O' -> outputs.add(output(item));
            case 'L' -> helperLog = item.text();
            case 'H' -> helperStatus = item.fields().length > 0 ? item.field(0) : "-";
            default -> {
                // not part of a result
            }
        }
    }

    /**
     * @return whether an exit record (or its absence) was reported
     */
    boolean seen() {
        return exitSeen;
    }

    /**
     * @return the exit record, or {@code null} when the helper wrote none
     */
    ExitRecord exit() {
        return exit;
    }

    CapturedOutput stdout() {
        return outputs.isEmpty() ? CapturedOutput.EMPTY : outputs.get(0);
    }

    CapturedOutput stderr() {
        return outputs.size() < 2 ? CapturedOutput.EMPTY : outputs.get(1);
    }

    /**
     * @return why there is no exit record, in the helper's words
     */
    String whyNoRecord() {
        String log = helperLog.strip();
        return "the exec helper " + ("-".equals(helperStatus) ? "stopped" : "exited with status " + helperStatus)
                + " without recording how the command ended" + (log.isEmpty() ? "" : "; its log: " + log);
    }

    /**
     * @return the capture regions of an {@code O} item put back together
     */
    static CapturedOutput output(ReplyParser.Item item) {
        long total = item.number(0);
        long headCapacity = item.number(1);
        long tailCapacity = item.number(2);
        int head = (int) item.number(3);
        byte[] data = item.data();
        byte[] headBytes = java.util.Arrays.copyOfRange(data, 0, head);
        byte[] ring = java.util.Arrays.copyOfRange(data, head, data.length);
        return CaptureFile.assemble(total, headCapacity, tailCapacity, headBytes, ring);
    }

    static ExitRecord exitRecord(ObjectMapper json, byte[] line) {
        try {
            return json.readValue(line, ExitRecord.class);
        } catch (IOException e) {
            throw new IllegalStateException("an exit record in the pod cannot be read: " + e.getMessage(), e);
        }
    }
}
