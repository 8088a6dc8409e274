# SPDX-License-Identifier: Apache-2.0
"""Run inside a namespace by lab.AnswerWatch: asks SERVER for test.home. TXT
every INTERVAL seconds (a new query each time, its answer awaited at most
INTERVAL) and prints "MONOTONIC_TIME TXT" whenever the text that answers
changes ("-" for no answer in time). Runs until killed."""

import socket
import sys
import time

QUESTION = b"\x04test\x04home\x00" + (16).to_bytes(2, "big") + (1).to_bytes(2, "big")


def txt_of(answer, query_id):
    """The TXT text of an answer to our question (one TXT record, no
    compression of the question: 12-byte header, the question, then the
    answer's name pointer, type, class, TTL, rdlength and one string)."""
    start = 12 + len(QUESTION)
    if len(answer) < start + 13 or int.from_bytes(answer[:2], "big") != query_id:
        return None
    if int.from_bytes(answer[6:8], "big") == 0:
        return None
    text = start + 12
    return answer[text + 1:text + 1 + answer[text]].decode(errors="replace")


def main():
    server, interval = sys.argv[1], float(sys.argv[2])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    query_id, last = 0, None
    while True:
        query_id = query_id % 0xffff + 1
        sent = time.monotonic()
        try:
            sock.sendto(query_id.to_bytes(2, "big") + bytes.fromhex("010000010000000000 00")
                        + QUESTION, (server, 53))
        except OSError:
            pass  # no route: counts as no answer
        text = None
        while text is None and time.monotonic() < sent + interval:
            sock.settimeout(max(sent + interval - time.monotonic(), 0.001))
            try:
                text = txt_of(sock.recv(512), query_id)
            except OSError:
                break
        now = time.monotonic()
        text = text or "-"
        if text != last:
            print(f"{now:.4f} {text}", flush=True)
            last = text
        time.sleep(max(sent + interval - now, 0))


if __name__ == "__main__":
    main()
