#!/usr/bin/env python3
"""delay.py QUEUE DELAY_MS -- hold every packet of netfilter queue QUEUE for DELAY_MS, then
let it through in arrival order: a fixed one-way link delay, in place of `tc qdisc netem`
(this machine's kernel has no sch_netem, nor fq; it has NFQUEUE). Run it inside a network
namespace with a rule such as

    iptables -A INPUT -i VETH -j NFQUEUE --queue-num QUEUE

Delaying on INPUT (the receiving side) rather than OUTPUT keeps the sender's TCP Small
Queues accounting out of it: a packet held on the sender's side would count against its
socket and throttle it, which a real link does not do.

Only metadata is copied to user space (no payload), GSO packets are queued whole, and the
verdicts go out as batches (NFQNL_MSG_VERDICT_BATCH: every packet id <= N), so it keeps up
with loopback-class rates. Standard library only: the nfnetlink_queue protocol by hand.
Stops on SIGTERM/SIGINT, after releasing whatever it holds.
"""
import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 1, 2, 3
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN, NFQA_CFG_MASK, NFQA_CFG_FLAGS = 1, 2, 3, 4, 5
NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_UNBIND = 1, 2
NFQNL_COPY_META = 1
NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_GSO = 1, 4
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


class Queue:
    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.s.bind((0, 0))

    def send(self, msg, payload, ack=False):
        self.seq += 1
        body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(self.num)) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg,
                          NLM_F_REQUEST | (NLM_F_ACK if ack else 0), self.seq, 0)
        self.s.send(hdr + body)
        if ack:
            data = self.s.recv(65536)
            _, typ, _, _, _ = struct.unpack_from("=IHHII", data)
            if typ == NLMSG_ERROR:
                (err,) = struct.unpack_from("=i", data, 16)
                if err:
                    raise OSError(-err, f"nfnetlink_queue config: {os.strerror(-err)}")

    def configure(self, maxlen):
        self.send(NFQNL_MSG_CONFIG, attr(NFQA_CFG_CMD, struct.pack("=BxH", NFQNL_CFG_CMD_BIND, 0)), ack=True)
        self.send(NFQNL_MSG_CONFIG, attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)), ack=True)
        self.send(NFQNL_MSG_CONFIG, attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", maxlen)), ack=True)
        flags = NFQA_CFG_F_GSO
        self.send(NFQNL_MSG_CONFIG, attr(NFQA_CFG_MASK, struct.pack("!I", flags)) +
                  attr(NFQA_CFG_FLAGS, struct.pack("!I", flags)), ack=True)

    def accept_upto(self, pid):
        self.send(NFQNL_MSG_VERDICT_BATCH, attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid)))

    def packets(self, data):
        """Packet ids in one recv() buffer (it may hold several netlink messages)."""
        off = 0
        while off + 16 <= len(data):
            ln, typ, _, _, _ = struct.unpack_from("=IHHII", data, off)
            if ln < 16:
                break
            if typ == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                a = off + 20  # nlmsghdr + nfgenmsg
                end = off + ln
                while a + 4 <= end:
                    alen, atyp = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atyp & 0x7FFF == NFQA_PACKET_HDR:
                        yield struct.unpack_from("!I", data, a + 4)[0]
                        break
                    a += (alen + 3) & ~3
            off += (ln + 3) & ~3


def main():
    num, delay = int(sys.argv[1]), float(sys.argv[2]) / 1000.0
    q = Queue(num)
    q.configure(maxlen=1 << 20)
    held = collections.deque()  # (release time, packet id), in arrival (= id) order
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print(f"delay.py: queue {num}, {delay * 1000:g} ms", file=sys.stderr, flush=True)
    while not stop:
        now = time.monotonic()
        last = None
        while held and held[0][0] <= now:
            last = held.popleft()[1]
        if last is not None:
            q.accept_upto(last)
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else 0.1
        try:
            ready, _, _ = select.select([q.s], [], [], timeout)  # microsecond timeout
        except InterruptedError:
            continue
        if not ready:
            continue
        # drain everything queued so far without blocking
        while True:
            try:
                data = q.s.recv(1 << 16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as e:  # ENOBUFS: the kernel dropped messages; carry on
                print(f"delay.py: {e}", file=sys.stderr, flush=True)
                break
            t = time.monotonic() + delay
            for pid in q.packets(data):
                held.append((t, pid))
    if held:
        q.accept_upto(held[-1][1])


if __name__ == "__main__":
    main()
