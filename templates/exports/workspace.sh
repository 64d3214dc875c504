{% load export_tags %}{% autoescape off %}: '
Create the Harness workspace {{ identifier|note }} in {{ org|note }} / {{ project|note }}: IaCM POST .../workspaces
(Harness answers 200). Set HARNESS_API_KEY to your Harness API key first; no key is written here.
A refusal is printed and ends the script with status 22 (curl 7.76 or later: --fail-with-body).
The key reaches curl as a header read from file descriptor 3 (-H @/dev/fd/3, the second
here-document below), never as an argument: every user of the machine can read the arguments
of a command (ps, /proc/<pid>/cmdline). The body follows on standard input (--data-binary @-).
{% for line in locks %}{{ line|note }}
{% endfor %}These notes are text quoted for the no-op command ":", not # comments, so that the script
also runs pasted into zsh (the default shell of macOS), which by default runs a pasted # line
as a command.
'
curl -sS --fail-with-body -X POST {{ url|shquote }} \
  -H 'Content-Type: application/json' \
  -H {{ "Harness-Account: "|add:account_id|shquote }} \
  -H @/dev/fd/3 \
  --data-binary @- <<'JSON' 3<<HEADER
{{ body_json }}
JSON
x-api-key: $HARNESS_API_KEY
HEADER{% endautoescape %}
