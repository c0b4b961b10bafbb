"""Checks each client configuration in mcp-manifest/clients against a running agentbox (see scripts/client-checks)."""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.request

MANIFEST_URL = "http://127.0.0.1:8080/mcp"
MANIFEST_KEY = "my-task-1"
CLIENTS = "mcp-manifest/clients"


def main():
    parser = argparse.ArgumentParser()
    for option in ("--url", "--bin", "--work", "--server-log", "--mcp-remote"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    checks = Checks(args)
    for check in (checks.claude_code_command, checks.claude_code_json, checks.gemini_command,
                  checks.gemini_settings, checks.claude_desktop, checks.vscode):
        checks.run(check)
    for line in checks.report:
        print(line)
    failed = sum(1 for line in checks.report if line.startswith("FAILED"))
    print(f"Client checks: {len(checks.report) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


class CheckFailed(Exception):
    pass


class Checks:

    def __init__(self, args):
        self.url = args.url.replace("localhost", "127.0.0.1")
        self.bin = args.bin
        self.work = os.path.abspath(args.work)
        self.server_log = args.server_log
        self.mcp_remote = args.mcp_remote
        self.run_id = str(int(time.time()))
        self.report = []

    def run(self, check):
        name = check.__name__.replace("_", " ")
        key = f"check-{check.__name__.replace('_', '-')}-{self.run_id}"
        try:
            detail = check(key)
            self.report.append(f"ok      {name}: {detail}")
        except Exception as e:  # one failing client must not hide the others
            self.report.append(f"FAILED  {name}: {e}")

    # --- the checks -------------------------------------------------------------------------------------------------

    def claude_code_command(self, key):
        home, project = self.sandbox("claude-command")
        self.shell(self.adapt(read(f"{CLIENTS}/claude-code.sh"), key), home, project)
        return self.claude_connected(home, project, key)

    def claude_code_json(self, key):
        home, project = self.sandbox("claude-json")
        entry = json.loads(read(f"{CLIENTS}/claude-code.mcp.json"))["mcpServers"]["agentbox"]
        entry["url"] = self.adapt(entry["url"], key)
        self.exec([self.tool("claude"), "mcp", "add-json", "agentbox", json.dumps(entry)], home, project)
        # The entry reads the key from AGENTBOX_CONVERSATION, as its ${...:-default} says.
        return self.claude_connected(home, project, key, {"AGENTBOX_CONVERSATION": key})

    def gemini_command(self, key):
        home, project = self.sandbox("gemini-command")
        self.trust_for_gemini(home, project)
        self.shell(self.adapt(read(f"{CLIENTS}/gemini-cli.sh"), key), home, project)
        return self.gemini_connected(home, project, key)

    def gemini_settings(self, key):
        home, project = self.sandbox("gemini-settings")
        self.trust_for_gemini(home, project)
        os.makedirs(f"{project}/.gemini")
        write(f"{project}/.gemini/settings.json", self.adapt(read(f"{CLIENTS}/gemini-settings.json"), key))
        return self.gemini_connected(home, project, key)

    def claude_desktop(self, key):
        server = json.loads(read(f"{CLIENTS}/claude-desktop.json"))["mcpServers"]["agentbox"]
        if server["command"] != "npx" or server["args"][:2] != ["-y", self.mcp_remote]:
            raise CheckFailed(f"expected npx -y {self.mcp_remote}, found {server['command']} {server['args'][:2]}")
        # What Claude Desktop does with the entry: start the command with the env, speak MCP over its stdio.
        command = [self.tool("mcp-remote")] + [self.adapt(a, key) for a in server["args"][2:]]
        env = dict(os.environ, **{k: (key if v == MANIFEST_KEY else v) for k, v in server["env"].items()})
        info = StdioClient(command, env, f"{self.work}/mcp-remote.log").sandbox_info()
        if info.get("conversation") != key:
            raise CheckFailed(f"sandbox_info names conversation {info.get('conversation')!r}, not {key!r}")
        return f"mcp-remote answered tools/call in conversation {key}"

    def vscode(self, key):
        config = json.loads(read(f"{CLIENTS}/vscode-mcp.json"))
        server = config["servers"]["agentbox"]
        inputs = {i["id"] for i in config["inputs"]}
        headers = {}
        for name, value in server["headers"].items():
            m = re.fullmatch(r"\$\{input:([\w-]+)\}", value)
            if not m or m.group(1) not in inputs:
                raise CheckFailed(f"header {name} is {value!r}, not an ${{input:...}} the file declares")
            headers[name] = key  # what VS Code sends after prompting for the input
        if server["type"] != "http":
            raise CheckFailed(f"type is {server['type']!r}, not 'http'")
        info = HttpClient(self.adapt(server["url"], key), headers).sandbox_info()
        if info.get("conversation") != key:
            raise CheckFailed(f"sandbox_info names conversation {info.get('conversation')!r}, not {key!r}")
        return "its URL and headers reach the conversation (VS Code itself not run)"

    # --- helpers ----------------------------------------------------------------------------------------------------

    def claude_connected(self, home, project, key, env=None):
        out = self.exec([self.tool("claude"), "mcp", "list"], home, project, env)
        if not re.search(r"^agentbox: .*Connected", out, re.M):
            raise CheckFailed("claude mcp list does not show agentbox connected:\n" + out)
        self.saw_header(key)
        return "claude mcp list: " + first_line(out, "agentbox:")

    def gemini_connected(self, home, project, key):
        out = self.exec([self.tool("gemini"), "mcp", "list"], home, project)
        if not re.search(r"agentbox: .*Connected", out):
            raise CheckFailed("gemini mcp list does not show agentbox connected:\n" + out)
        self.saw_header(key)
        return "gemini mcp list: " + first_line(out, "agentbox:")

    def saw_header(self, key):
        deadline = time.time() + 10
        while time.time() < deadline:
            if re.search(rf"access POST /mcp 200 conversation={re.escape(key)}$", read(self.server_log), re.M):
                return
            time.sleep(0.2)
        raise CheckFailed(f"the server saw no MCP request with the conversation header {key}")

    @staticmethod
    def trust_for_gemini(home, project):
        # Gemini CLI ignores a project's servers until the folder is trusted (a question it asks interactively).
        os.makedirs(f"{home}/.gemini", exist_ok=True)
        write(f"{home}/.gemini/trustedFolders.json", json.dumps({project: "TRUST_FOLDER"}))

    def adapt(self, text, key):
        return text.replace(MANIFEST_URL, self.url).replace(MANIFEST_KEY, key)

    def sandbox(self, name):
        home, project = f"{self.work}/{name}/home", f"{self.work}/{name}/project"
        os.makedirs(home)
        os.makedirs(project)
        return home, project

    def tool(self, name):
        return os.path.join(self.bin, name)

    def shell(self, script, home, project):
        words = shlex.split(script.strip())
        return self.exec([self.tool(words[0])] + words[1:], home, project)

    @staticmethod
    def exec(command, home, project, env=None):
        environment = dict(os.environ, HOME=home, DISABLE_AUTOUPDATER="1", DISABLE_TELEMETRY="1",
                           CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", **(env or {}))
        done = subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise CheckFailed(f"{os.path.basename(command[0])} {' '.join(command[1:3])} exited with "
                              f"{done.returncode}: {done.stdout}{done.stderr}")
        return done.stdout + done.stderr


class StdioClient:
    """A minimal MCP client over a child's stdio, as Claude Desktop runs a configured command."""

    def __init__(self, command, env, log):
        self.command, self.env, self.log = command, env, log

    def sandbox_info(self):
        with open(self.log, "w") as log:
            child = subprocess.Popen(self.command, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, text=True)
            try:
                self.send(child, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "agentbox-client-checks", "version": "1"}}})
                self.receive(child, 1)
                self.send(child, {"jsonrpc": "2.0", "method": "notifications/initialized"})
                self.send(child, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                  "params": {"name": "sandbox_info", "arguments": {}}})
                return self.receive(child, 2)["result"]["structuredContent"]
            finally:
                child.kill()
                child.wait()

    @staticmethod
    def send(child, message):
        child.stdin.write(json.dumps(message) + "\n")
        child.stdin.flush()

    @staticmethod
    def receive(child, request_id):
        deadline = time.time() + 60
        while time.time() < deadline:
            line = child.stdout.readline()
            if not line:
                raise CheckFailed("the bridge closed its output before answering")
            message = json.loads(line)
            if message.get("id") == request_id:
                if "error" in message:
                    raise CheckFailed(f"error {message['error']}")
                return message
        raise CheckFailed("no answer within 60 s")


class HttpClient:
    """A minimal Streamable HTTP client: initialize, then one tool call in the session."""

    def __init__(self, url, headers):
        self.url, self.headers = url, headers

    def sandbox_info(self):
        session, _ = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "agentbox-client-checks", "version": "1"}}}, None)
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
        _, reply = self.post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                              "params": {"name": "sandbox_info", "arguments": {}}}, session)
        return reply["result"]["structuredContent"]

    def post(self, message, session):
        headers = dict(self.headers, **{"Content-Type": "application/json",
                                        "Accept": "application/json, text/event-stream"})
        if session:
            headers.update({"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"})
        request = urllib.request.Request(self.url, json.dumps(message).encode(), headers, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read().decode()
            if response.headers.get("Content-Type", "").startswith("text/event-stream"):
                body = [l[5:] for l in body.splitlines() if l.startswith("data:") and '"id"' in l][-1]
            return response.headers.get("Mcp-Session-Id"), json.loads(body) if body.strip() else None


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def first_line(text, prefix):
    return next((l.strip() for l in text.splitlines() if prefix in l), "")


if __name__ == "__main__":
    main()
