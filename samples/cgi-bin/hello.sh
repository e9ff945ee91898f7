#!/bin/sh
# The smallest CGI program: a header block, an empty line, the body.
printf 'Content-Type: text/plain; charset=utf-8\n\n'
printf 'Hello from CGI! You asked for %s with query "%s".\n' "${PATH_INFO:-/}" "$QUERY_STRING"
