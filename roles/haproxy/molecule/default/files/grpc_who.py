#!/usr/bin/env python3
"""Calls /test.Who/Name through the load balancer's gRPC frontend N times; prints each answer."""
import sys

import grpc

target, calls = sys.argv[1], int(sys.argv[2])
with grpc.insecure_channel(target) as channel:
    who = channel.unary_unary("/test.Who/Name")
    for _ in range(calls):
        print(who(b"", timeout=5).decode())
