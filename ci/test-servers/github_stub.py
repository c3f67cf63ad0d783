#!/usr/bin/env python3
"""A stand-in for GitHub's REST API (issue comments of one pull request) for `bpfgate comment`'s tests, on 127.0.0.1.

Serves, as GitHub documents them (https://docs.github.com/en/rest/issues/comments):
  GET   /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=   a page (at most 100), Link rel="next" while more
  POST  /repos/{owner}/{repo}/issues/{number}/comments                  {"body"} -> 201 {"id", "body", "html_url"}
  PATCH /repos/{owner}/{repo}/issues/comments/{id}                      {"body"} -> 200
Every request must carry `Authorization: Bearer <--token>` and `Accept: application/vnd.github+json`; --read-only
answers writes 403 as GitHub does for a fork's token. --seed N starts with N comments of someone else. --plan:
comma-separated answers for the first requests (503 | 429:<seconds>), then the real ones. Logs each request and
the comments after it as JSON lines (--log).
"""
import argparse, json, re, signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

p = argparse.ArgumentParser()
p.add_argument("--port-file", required=True)
p.add_argument("--log", required=True)
p.add_argument("--token", required=True)
p.add_argument("--repo", default="octo/widgets")
p.add_argument("--number", type=int, default=7)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--read-only", action="store_true")
p.add_argument("--plan", default="")
args = p.parse_args()

plan = [s for s in args.plan.split(",") if s]
comments = [{"id": 1000 + i, "body": f"an earlier comment {i}", "user": {"login": "someone"}} for i in range(args.seed)]
next_id = 5000
log = open(args.log, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        global next_id
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        entry = {"method": self.command, "path": url.path, "query": url.query, "headers": dict(self.headers.items()),
                 "body": raw.decode(errors="replace")}
        if plan:
            step = plan.pop(0)
            entry["planned"] = step
            log.write(json.dumps(entry) + "\n")
            if step.startswith("429:"):
                return self.answer(429, {"message": "slow down"}, [("Retry-After", step[4:])])
            return self.answer(int(step), {"message": "planned"})
        problems = []
        if self.headers.get("Authorization") != f"Bearer {args.token}":
            problems.append("Authorization is not the token")
        if self.headers.get("Accept") != "application/vnd.github+json":
            problems.append("Accept is not application/vnd.github+json")
        entry["problems"] = problems
        base = f"/repos/{args.repo}/issues"
        status, body, headers = 404, {"message": "Not Found"}, []
        if problems:
            status, body = 401, {"message": "Bad credentials"}
        elif self.command == "GET" and url.path == f"{base}/{args.number}/comments":
            q = parse_qs(url.query)
            per_page = min(100, int(q.get("per_page", ["30"])[0]))
            page = int(q.get("page", ["1"])[0])
            chunk = comments[(page - 1) * per_page: page * per_page]
            status, body = 200, chunk
            if page * per_page < len(comments):
                headers = [("Link", f'<http://127.0.0.1{url.path}?per_page={per_page}&page={page + 1}>; rel="next"')]
        elif self.command in ("POST", "PATCH") and args.read_only:
            status, body = 403, {"message": "Resource not accessible by integration"}
        elif self.command == "POST" and url.path == f"{base}/{args.number}/comments":
            c = {"id": next_id, "body": json.loads(raw)["body"], "html_url": f"https://github.invalid/{args.repo}/pull/{args.number}#issuecomment-{next_id}"}
            next_id += 1
            comments.append(c)
            status, body = 201, c
        elif self.command == "PATCH" and (m := re.fullmatch(f"{base}/comments/([0-9]+)", url.path)):
            hit = [c for c in comments if c["id"] == int(m.group(1))]
            if hit:
                hit[0]["body"] = json.loads(raw)["body"]
                hit[0]["html_url"] = f"https://github.invalid/{args.repo}/pull/{args.number}#issuecomment-{hit[0]['id']}"
                status, body = 200, hit[0]
        entry["status"] = status
        log.write(json.dumps(entry) + "\n")
        log.write(json.dumps({"event": "comments", "comments": comments}) + "\n")
        self.answer(status, body, headers)

    do_GET = do_POST = do_PATCH = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(args.port_file + ".tmp", args.port_file)
server.serve_forever()
