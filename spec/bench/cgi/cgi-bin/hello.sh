#!/bin/sh
# The CGI hello world of the benchmark (RFC 3875 §6): a header, a blank line, the body.
printf 'Content-Type: text/plain\r\n\r\nHello World!\n'
