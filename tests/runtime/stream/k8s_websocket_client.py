#!/usr/bin/python3
"""A Kubernetes channel WebSocket client for the stream server's tests.

The WebSocket is Debian's python3-websocket (websocket-client), a real client written for
no test; this script only adds the thin channel layer every Kubernetes WebSocket client has
(the channel number as the first byte, or as a digit before base64 text). It connects to URL
offering the --protocol values (none: no subprotocol header), sends --send CHANNEL:TEXT
messages once the server's first message arrives, reads until the server closes, and prints
one JSON object: the protocol the server chose, the first message's channel, length and
bytes (hex), with --port-prefix each channel's first message (hex), and the bytes each channel
carried (as text). An HTTP refusal prints
{"status": CODE} (this version of the module does not keep the body).
"""
import argparse
import base64
import json
import sys

import websocket


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--protocol", action="append", default=[])
    parser.add_argument("--send", action="append", default=[], help="CHANNEL:TEXT")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--port-prefix", action="store_true",
                        help="port-forward: each channel's first message is its port")
    args = parser.parse_args()
    url = args.url.replace("https://", "wss://").replace("http://", "ws://")
    try:
        ws = websocket.create_connection(
            url, subprotocols=args.protocol or None, timeout=args.timeout,
            sslopt={"cert_reqs": 0})
    except websocket.WebSocketBadStatusException as refused:
        print(json.dumps({"status": refused.status_code}))
        return 0
    chosen = ws.getsubprotocol() or ""
    use_base64 = "base64" in chosen
    channels = {}
    prefixes = {}
    first = None
    sent = False
    while True:
        try:
            opcode, data = ws.recv_data()
        except websocket.WebSocketConnectionClosedException:
            break
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            break
        if not data:
            continue
        if use_base64:
            text = data.decode()
            channel, payload = ord(text[0]) - ord("0"), base64.b64decode(text[1:])
        else:
            channel, payload = data[0], data[1:]
        if first is None:
            first = [channel, len(payload), payload.hex()]
        if args.port_prefix and str(channel) not in prefixes:
            prefixes[str(channel)] = payload.hex()
            payload = b""
        channels.setdefault(str(channel), b"")
        channels[str(channel)] += payload
        if not sent:
            sent = True
            for item in args.send:
                number, _, text = item.partition(":")
                number = int(number)
                if use_base64:
                    ws.send(chr(ord("0") + number) + base64.b64encode(text.encode()).decode())
                else:
                    ws.send_binary(bytes([number]) + text.encode())
    ws.close()
    print(json.dumps({
        "protocol": chosen,
        "first": first,
        "prefixes": prefixes,
        "channels": {k: v.decode(errors="replace") for k, v in channels.items()},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
