#!/bin/sh
# Prints the environment a CGI program receives, one KEY=value per line.
printf 'Content-Type: text/plain; charset=utf-8\n\n'
env | LC_ALL=C sort
