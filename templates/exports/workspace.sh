{% load export_tags %}{% autoescape off %}#!/bin/sh
# Create the Harness workspace {{ identifier|comment }} in {{ org|comment }} / {{ project|comment }}: IaCM POST .../workspaces
# (Harness answers 200). Set HARNESS_API_KEY to your Harness API key first; no key is written here.
# A refusal is printed and ends the script with status 22 (curl 7.76 or later: --fail-with-body).
# The key reaches curl as a header read from file descriptor 3 (-H @/dev/fd/3, the second
# here-document below), never as an argument: every user of the machine can read a command's
# arguments (ps, /proc/<pid>/cmdline). The body follows on standard input (--data-binary @-).
{% for line in locks %}# {{ line|comment }}
{% endfor %}curl -sS --fail-with-body -X POST {{ url|shquote }} \
  -H 'Content-Type: application/json' \
  -H {{ "Harness-Account: "|add:account_id|shquote }} \
  -H @/dev/fd/3 \
  --data-binary @- <<'JSON' 3<<HEADER
{{ body_json }}
JSON
x-api-key: $HARNESS_API_KEY
HEADER{% endautoescape %}
