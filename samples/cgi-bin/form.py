#!/usr/bin/python3
"""A form that posts to itself: GET shows it, POST echoes the fields back."""
import html
import os
import sys
from urllib.parse import parse_qs

method = os.environ.get("REQUEST_METHOD", "GET")
fields = {}
if method == "POST":
    length = int(os.environ.get("CONTENT_LENGTH") or 0)
    fields = parse_qs(sys.stdin.read(length))
print("Content-Type: text/html; charset=utf-8")
print()
print("<!doctype html><title>CGI form</title>")
print('<form method="post"><input name="name" placeholder="your name"><button>Send</button></form>')
if fields:
    name = html.escape(fields.get("name", [""])[0])
    print(f"<p>Hello, {name}!</p>")
