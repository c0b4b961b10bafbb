package dev.agentbox.examples.langchain4j;

import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;

/**
 * A LangChain4j AI service that solves a coding task with agentbox's tools: the model decides which tools to call,
 * LangChain4j runs them over MCP in the conversation's sandbox and hands the results back, until the model answers.
 */
public interface CodingAgent {

    @SystemMessage("""
            You are a careful software engineer working in a Linux sandbox through tools. Your files live in \
            /workspace; use write_file and edit_file to change them, read_file to look at them, and bash to run \
            programs and tests. A non-zero exit code is a normal result: read stderr and fix the cause. When the \
            task is done, answer with what you did and the output that shows it works.""")
    String solve(@UserMessage String task);
}
