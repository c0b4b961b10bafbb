gemini mcp add --transport http agentbox http://127.0.0.1:8080/mcp --header "Agentbox-Conversation: my-task-1"
