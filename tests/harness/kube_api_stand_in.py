#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server's pod list, for deshim's tests.

There is no Kubernetes API server in Debian's packages. This stand-in serves the one call deshim
makes, `GET /api/v1/pods`, the way the API server documents it (kubernetes.io, "API Concepts":
chunked lists with `limit` and `continue`; "Field selectors"; the `Status` kind for errors):

- HTTPS only, with the given certificate. A client is authenticated by a bearer token or by a
  client certificate signed by --client-ca; anything else is 401 Unauthorized.
- The --forbidden-token authenticates, but its user may not list pods: 403 Forbidden.
- `fieldSelector` is parsed as the API server does (comma-separated `field=value`,
  `field==value` or `field!=value`); a field the pod list does not support is 400 BadRequest.
- `limit` pages the list; `metadata.continue` carries an opaque token to the next page and is
  absent on the last one, with `remainingItemCount` on the others. With --expire-continue, every
  continue token is refused with 410 Gone (reason Expired), as after the token's lifetime.
- Items of a PodList carry no `kind` and `apiVersion`, as the API server serves them.

Every request is appended to --request-log as one JSON line (path, query, how it authenticated),
so a test can check what the client asked for.
"""

import argparse
import base64
import http.server
import json
import os
import ssl
import sys
import threading
import urllib.parse

RESOURCE_VERSION = "4711"
SUPPORTED_POD_FIELDS = {
    "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
    "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
    "status.podIP", "status.nominatedNodeName",
}


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def field_of(pod, path):
    value = pod
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_selector(text):
    """[(field, operator, value)], or raises ValueError with the API server's message."""
    terms = []
    for term in filter(None, text.split(",")):
        for operator in ("!=", "==", "="):
            if operator in term:
                field, value = term.split(operator, 1)
                break
        else:
            raise ValueError("invalid selector: '%s'; can't understand '%s'" % (text, term))
        if field not in SUPPORTED_POD_FIELDS:
            raise ValueError('field label not supported: %s' % field)
        terms.append((field, operator, value))
    return terms


def matches(pod, terms):
    for field, operator, value in terms:
        equal = field_of(pod, field) == value
        if equal == (operator == "!="):
            return False
    return True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authenticated_as(self):
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header[len("Bearer "):]
            if token == self.server.options.token:
                return "token"
            if token == self.server.options.forbidden_token:
                return "forbidden"
            return None
        if self.connection.getpeercert():
            return "client-certificate"
        return None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        user = self.authenticated_as()
        with self.server.log_lock:
            with open(self.server.options.request_log, "a") as log:
                log.write(json.dumps({"path": url.path, "query": url.query, "auth": user}) + "\n")
        if user is None:
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        if url.path != "/api/v1/pods":
            return self.send_json(404, status(404, "NotFound", "the server could not find the "
                                             "requested resource"))
        if user == "forbidden":
            return self.send_json(403, status(
                403, "Forbidden", 'pods is forbidden: User "system:serviceaccount:default:'
                'no-rights" cannot list resource "pods" in API group "" at the cluster scope'))
        try:
            terms = parse_selector(query.get("fieldSelector", [""])[0])
        except ValueError as bad:
            return self.send_json(400, status(400, "BadRequest", str(bad)))
        pods = [pod for pod in self.server.pods if matches(pod, terms)]
        start = 0
        token = query.get("continue", [""])[0]
        if token:
            if self.server.options.expire_continue:
                return self.send_json(410, status(
                    410, "Expired", "The provided continue parameter is too old to display a "
                    "consistent list result. You can start a new list without the continue "
                    "parameter."))
            try:
                start = json.loads(base64.b64decode(token))["start"]
            except (ValueError, KeyError, TypeError):
                return self.send_json(400, status(400, "BadRequest",
                                                  "continue key is not valid: " + token))
        limit = int(query.get("limit", ["0"])[0] or 0)
        end = len(pods) if limit <= 0 else min(len(pods), start + limit)
        metadata = {"resourceVersion": RESOURCE_VERSION}
        if end < len(pods):
            metadata["continue"] = base64.b64encode(
                json.dumps({"rv": RESOURCE_VERSION, "start": end}).encode()).decode()
            metadata["remainingItemCount"] = len(pods) - end
        self.send_json(200, {"kind": "PodList", "apiVersion": "v1", "metadata": metadata,
                             "items": pods[start:end]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-ca", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--forbidden-token", default="")
    parser.add_argument("--pods", required=True, help="a JSON array of Pod objects")
    parser.add_argument("--port-file", required=True, help="written with the port once listening")
    parser.add_argument("--request-log", required=True)
    parser.add_argument("--expire-continue", action="store_true")
    options = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.options = options
    server.log_lock = threading.Lock()
    with open(options.pods) as pods:
        server.pods = [{k: v for k, v in pod.items() if k not in ("kind", "apiVersion")}
                       for pod in json.load(pods)]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.cert, options.key)
    context.load_verify_locations(options.client_ca)
    context.verify_mode = ssl.CERT_OPTIONAL
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(options.port_file + ".tmp", "w") as port:
        port.write(str(server.server_address[1]))
    os.rename(options.port_file + ".tmp", options.port_file)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
